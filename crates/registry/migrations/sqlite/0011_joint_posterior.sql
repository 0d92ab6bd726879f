-- The joint posterior of a candidate pair: P(sample is the member) over every admissible
-- assignment of the samples and families that the job's candidates connect to the pair (flat
-- prior over assignments; pairings below the job's LR threshold outside the hypotheses), exact to
-- joint_bound, the certified share of the posterior mass the search did not enumerate. NULL where
-- the joint search was not needed (one sample and one family with one missing member) or not run.
ALTER TABLE candidates ADD COLUMN joint_posterior REAL;
ALTER TABLE candidates ADD COLUMN joint_bound REAL;
