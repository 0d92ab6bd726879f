//! Who may do what: one table, checked by every handler and walked by the role-matrix test.
//!
//! | permission      | admin | family-liaison | lab-analyst | reviewer | mission-planner | viewer |
//! |-----------------|:-----:|:--------------:|:-----------:|:--------:|:---------------:|:------:|
//! | ReadSites       |   ✓   |       ✓        |      ✓      |    ✓     |        ✓        |   ✓    |
//! | WriteSites      |   ✓   |                |             |          |        ✓        |        |
//! | ReadPersons     |   ✓   |       ✓        |      ✓      |    ✓     |        ✓        |        |
//! | WritePersons    |   ✓   |       ✓        |             |          |                 |        |
//! | AdvanceStatus   |   ✓   |       ✓        |      ✓      |    ✓     |        ✓        |        |
//! | ReadFamilies    |   ✓   |       ✓        |      ✓      |    ✓     |                 |        |
//! | WriteFamilies   |   ✓   |       ✓        |             |          |                 |        |
//! | ReadContacts    |   ✓   |       ✓        |             |          |                 |        |
//! | ReadReferences  |   ✓   |       ✓        |      ✓      |    ✓     |                 |        |
//! | WriteReferences |   ✓   |                |      ✓      |          |                 |        |
//! | WithdrawConsent |   ✓   |       ✓        |      ✓      |          |                 |        |
//! | ReadProfiles    |   ✓   |                |      ✓      |    ✓     |                 |        |
//! | WriteProfiles   |   ✓   |                |      ✓      |          |                 |        |
//! | ReadRemains     |   ✓   |                |      ✓      |    ✓     |        ✓        |        |
//! | WriteRemains    |   ✓   |                |      ✓      |          |        ✓        |        |
//! | ReadSamples     |   ✓   |                |      ✓      |    ✓     |                 |        |
//! | WriteSamples    |   ✓   |                |      ✓      |          |                 |        |
//! | ReadMissions    |   ✓   |                |             |    ✓     |        ✓        |        |
//! | WriteMissions   |   ✓   |                |             |          |        ✓        |        |
//! | ReadVisitRequests  | ✓ |       ✓        |             |          |        ✓        |        |
//! | WriteVisitRequests | ✓ |       ✓        |             |          |        ✓        |        |
//! | ReadAudit       |   ✓   |                |             |          |                 |        |
//! | ManageUsers     |   ✓   |                |             |          |                 |        |
//!
//! In words: viewers see the sites map and aggregate numbers only. Family liaisons look after
//! families, their members and contact details, and see reference records (consent, kit) but never
//! genotypes: no `/profile` endpoint is open to them; a donor who withdraws consent tells them, and
//! they record it for their families (the genotypes are erased). Lab analysts read and write references,
//! remains, samples, custody and profiles, and read families (not contacts). Reviewers read
//! everything except contacts, audit and users, and write nothing of these records. Mission planners
//! run missions, record and read remains, and look after sites. Contact details: admins and family
//! liaisons only.

use registry::Role;

/// An action on a kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Burial sites and aggregate numbers: everyone, viewers included.
    ReadSites,
    WriteSites,
    /// Persons' names, dates and places: personal data, not for viewers.
    ReadPersons,
    WritePersons,
    /// Moving a person's status along the way home.
    AdvanceStatus,
    /// Families, their members and pedigrees (never contact details).
    ReadFamilies,
    /// Recording families and their members.
    WriteFamilies,
    /// A family's contact details (each read audited by the registry).
    ReadContacts,
    /// Reference-sample records: donor, kit, consent, withdrawal; never genotypes.
    ReadReferences,
    /// Recording references.
    WriteReferences,
    /// Recording a donor's withdrawal of consent: the donor tells the family's liaison (for the
    /// families assigned to them) or the laboratory.
    WithdrawConsent,
    /// Genotypes: reference and sample profiles (each read audited by the registry).
    ReadProfiles,
    /// Recording a sample's profile.
    WriteProfiles,
    ReadRemains,
    WriteRemains,
    /// Samples and their chain of custody (without genotypes).
    ReadSamples,
    /// Recording samples and appending to their chain of custody.
    WriteSamples,
    ReadMissions,
    WriteMissions,
    /// Families' requests to visit graves (who travels, how well they walk): for those who look
    /// after families and those who plan the visits.
    ReadVisitRequests,
    WriteVisitRequests,
    ReadAudit,
    ManageUsers,
    /// Identifications: status, evidence cited, reviews (no genotypes).
    ReadIdentifications,
    ProposeIdentifications,
    ReviewIdentifications,
    /// Matching jobs: starting one, and reading their progress and candidates (LRs, no genotypes).
    RunJobs,
    ReadJobs,
    /// Telling families and handing remains over.
    ReadHandovers,
    WriteHandovers,
}

impl Permission {
    pub const ALL: [Permission; 30] = [
        Permission::ReadSites,
        Permission::WriteSites,
        Permission::ReadPersons,
        Permission::WritePersons,
        Permission::AdvanceStatus,
        Permission::ReadFamilies,
        Permission::WriteFamilies,
        Permission::ReadContacts,
        Permission::ReadReferences,
        Permission::WriteReferences,
        Permission::WithdrawConsent,
        Permission::ReadProfiles,
        Permission::WriteProfiles,
        Permission::ReadRemains,
        Permission::WriteRemains,
        Permission::ReadSamples,
        Permission::WriteSamples,
        Permission::ReadMissions,
        Permission::WriteMissions,
        Permission::ReadVisitRequests,
        Permission::WriteVisitRequests,
        Permission::ReadAudit,
        Permission::ManageUsers,
        Permission::ReadIdentifications,
        Permission::ProposeIdentifications,
        Permission::ReviewIdentifications,
        Permission::RunJobs,
        Permission::ReadJobs,
        Permission::ReadHandovers,
        Permission::WriteHandovers,
    ];

    /// The roles that hold this permission.
    pub fn roles(&self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::ReadSites => &[Admin, FamilyLiaison, LabAnalyst, Reviewer, MissionPlanner, Viewer],
            Permission::WriteSites => &[Admin, MissionPlanner],
            Permission::ReadPersons => &[Admin, FamilyLiaison, LabAnalyst, Reviewer, MissionPlanner],
            Permission::WritePersons => &[Admin, FamilyLiaison],
            Permission::AdvanceStatus => &[Admin, FamilyLiaison, LabAnalyst, Reviewer, MissionPlanner],
            Permission::ReadFamilies | Permission::ReadReferences => &[Admin, FamilyLiaison, LabAnalyst, Reviewer],
            Permission::WriteFamilies | Permission::ReadContacts => &[Admin, FamilyLiaison],
            Permission::ReadProfiles | Permission::ReadSamples => &[Admin, LabAnalyst, Reviewer],
            Permission::WriteReferences | Permission::WriteProfiles | Permission::WriteSamples => &[Admin, LabAnalyst],
            Permission::WithdrawConsent => &[Admin, FamilyLiaison, LabAnalyst],
            Permission::ReadRemains => &[Admin, LabAnalyst, Reviewer, MissionPlanner],
            Permission::WriteRemains => &[Admin, LabAnalyst, MissionPlanner],
            Permission::ReadMissions => &[Admin, Reviewer, MissionPlanner],
            Permission::WriteMissions => &[Admin, MissionPlanner],
            Permission::ReadVisitRequests | Permission::WriteVisitRequests => &[Admin, FamilyLiaison, MissionPlanner],
            Permission::ReadAudit | Permission::ManageUsers => &[Admin],
            Permission::ReadIdentifications => &[Admin, FamilyLiaison, LabAnalyst, Reviewer],
            Permission::ProposeIdentifications => &[Admin, LabAnalyst],
            // Two different users with the reviewer role decide; not even an admin may stand in.
            Permission::ReviewIdentifications => &[Reviewer],
            Permission::RunJobs => &[Admin, LabAnalyst],
            Permission::ReadJobs => &[Admin, LabAnalyst, Reviewer],
            Permission::ReadHandovers => &[Admin, FamilyLiaison, Reviewer, MissionPlanner],
            Permission::WriteHandovers => &[Admin, FamilyLiaison],
        }
    }

    pub fn allows(&self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The promises the table is built on, stated once more so a careless edit fails here.
    #[test]
    fn the_table_keeps_its_promises() {
        for p in Permission::ALL {
            if p != Permission::ReviewIdentifications {
                assert!(p.allows(Role::Admin), "{p:?}: admins may do everything but review");
            }
            if p != Permission::ReadSites {
                assert!(!p.allows(Role::Viewer), "{p:?}: viewers see sites and numbers only");
            }
        }
        for p in [Permission::ReadProfiles, Permission::WriteProfiles] {
            assert!(
                !p.allows(Role::FamilyLiaison),
                "{p:?}: family liaisons never see genotypes"
            );
        }
        assert_eq!(
            Permission::ReviewIdentifications.roles(),
            &[Role::Reviewer],
            "only reviewers review"
        );
        assert_eq!(
            Permission::ReadContacts.roles(),
            &[Role::Admin, Role::FamilyLiaison],
            "contacts: admins and family liaisons only"
        );
        for p in [
            Permission::WriteFamilies,
            Permission::WriteReferences,
            Permission::WriteProfiles,
            Permission::WriteRemains,
            Permission::WriteSamples,
            Permission::WriteMissions,
        ] {
            assert!(
                !p.allows(Role::Reviewer),
                "{p:?}: reviewers write none of these records"
            );
        }
    }
}
