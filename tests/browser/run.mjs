// Browser tests: the real `homeward serve` on a fresh SQLite database, driven by Debian's headless
// Chromium through playwright-core. Every request the browser makes is recorded, and one that
// leaves localhost fails the run. Screenshots of every page go to test-output/browser/.
//
//   HOMEWARD_BIN=path/to/homeward node run.mjs     (default: builds it with cargo)
//
// Prints "test result: ok. N passed; M failed;" like cargo, so .ci/run can add the counts up.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { seed, snpFiles, PROFILES, ALLELES, SITES } from "./fixture/seed.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const out = path.join(repo, "test-output", "browser");
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

const PASSWORD = "a long browser-test password";
const USERS = [
  ["admin", "admin"], ["liaison", "family-liaison"], ["lab", "lab-analyst"],
  ["rev1", "reviewer"], ["rev2", "reviewer"], ["planner", "mission-planner"], ["viewer", "viewer"],
];

function homewardBin() {
  if (process.env.HOMEWARD_BIN) return process.env.HOMEWARD_BIN;
  // Cargo names the executable it built: no guessing at target directories.
  const r = spawnSync("cargo", ["build", "--locked", "-p", "homeward", "--message-format=json"], {
    cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error("cargo build failed");
  const built = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l))
    .find((m) => m.reason === "compiler-artifact" && m.target.name === "homeward" && m.executable);
  if (!built) throw new Error("cargo built no homeward executable");
  return built.executable;
}

function run(bin, args, input) {
  const r = spawnSync(bin, args, { input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`homeward ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

async function startServer(bin, db, freqs) {
  // Matching jobs use the SNP profiles of panel TEST too (imported after the seed, below).
  const child = spawn(bin, ["serve", "--db", db, "--listen", "127.0.0.1:0", "--snp-panel", "TEST", "--snp-genotype-error", "0.001"], {
    env: { ...process.env, HOMEWARD_FREQUENCIES: freqs },
    stdio: ["ignore", "inherit", "pipe"],
  });
  const base = await new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 30000);
    child.stderr.on("data", (d) => {
      seen += d;
      process.stderr.write(d);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${seen}`)));
  });
  return { child, base };
}

// ---- a tiny harness: named steps, run in order, counted ----
const results = [];
async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push([name, true]);
    console.log(`test ${name} ... ok (${Date.now() - started} ms)`);
  } catch (e) {
    results.push([name, false]);
    console.log(`test ${name} ... FAILED\n  ${String(e && e.stack || e).split("\n").slice(0, 6).join("\n  ")}`);
  }
}
function assert(cond, message) { if (!cond) throw new Error(message); }

const bin = homewardBin();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homeward-browser-"));
const db = `sqlite://${path.join(dir, "db.sqlite")}`;
run(bin, ["db", "migrate", "--db", db]);
// The first user of a new registry is an admin; the others are added as that admin (--as).
for (const [name, role] of USERS) {
  const as = name === "admin" ? [] : ["--as", "admin"];
  run(bin, ["user", "add", "--username", name, "--role", role, "--password-stdin", "--db", db, ...as], PASSWORD + "\n");
}
const token = run(bin, ["token", "create", "--username", "admin", "--db", db, "--as", "admin"]).split(/\s+/).pop();
const { child, base } = await startServer(bin, db, path.join(here, "fixture", "freqs.tsv"));
let browser;
const outside = [];
const scriptErrors = [];
try {
  const fixture = await seed(base, token);
  // The laboratory's SNP panel and VCF file, imported as on the command line.
  const snp = snpFiles();
  fs.writeFileSync(path.join(dir, "panel.tsv"), snp.panel);
  fs.writeFileSync(path.join(dir, "snps.vcf"), snp.vcf);
  run(bin, ["import", "snp-panel", path.join(dir, "panel.tsv"), "--name", "TEST", "--db", db, "--as", "admin"]);
  run(bin, ["import", "vcf", path.join(dir, "snps.vcf"), "--panel", "TEST", "--db", db, "--as", "admin"]);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    // Playwright gives every launch a fresh, temporary user-data-dir of its own.
  });

  /** A fresh browser context (own cookies) whose every request is checked to stay on localhost. */
  async function session(options = {}) {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, ...options });
    context.on("request", (req) => {
      const host = new URL(req.url()).hostname;
      if (!["127.0.0.1", "localhost"].includes(host) && !req.url().startsWith("data:")) outside.push(req.url());
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    const errors = [];
    page.on("pageerror", (e) => { errors.push(String(e)); scriptErrors.push(String(e)); });
    // A page that tries to reach beyond the server trips the Content-Security-Policy.
    page.on("console", (m) => { if (m.type() === "error" && /Content Security Policy/i.test(m.text())) scriptErrors.push(m.text()); });
    return { context, page, errors };
  }
  async function signIn(page, user) {
    await page.goto(base + "/signin");
    await page.fill("#username", user);
    await page.fill("#password", PASSWORD);
    await Promise.all([page.waitForURL(base + "/"), page.click("button[type=submit]")]);
  }
  async function signOut(page) {
    await Promise.all([page.waitForURL(/\/signin/), page.click("form[action='/signout'] button")]);
  }
  const shot = (page, name) => page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });

  const admin = await session({ locale: "en-GB" });
  const p = admin.page;

  await step("sign in and see the dashboard", async () => {
    await signIn(p, "admin");
    const missing = await p.textContent("li[data-status='missing'] .n");
    assert(missing.trim() === "3", `3 missing persons, got ${missing}`);
    const sites = await p.textContent("li[data-status='sites'] .n");
    assert(sites.trim() === String(SITES.length), `sites: ${sites}`);
    await shot(p, "01-dashboard");
  });

  await step("the map shows every site's marker over the bundled country shapes", async () => {
    await p.goto(base + "/map");
    await p.waitForSelector("#map[data-shapes-loaded='true']", { timeout: 15000 });
    await p.waitForSelector(".leaflet-overlay-pane path", { state: "attached" });
    // Markers outside clusters, plus the sites each cluster holds.
    const count = await p.evaluate(() => {
      const single = document.querySelectorAll(".site-marker").length;
      const clustered = [...document.querySelectorAll(".marker-cluster .n")].reduce((n, s) => n + Number(s.textContent), 0);
      return single + clustered;
    });
    assert(count === SITES.length, `markers for ${SITES.length} sites, saw ${count}`);
    const statuses = await p.$$eval(".site-marker", (els) => els.map((e) => e.className));
    assert(statuses.every((c) => /st-(known|surveyed|inaccessible|farmland|relocated|exhumed)/.test(c)), "markers coloured by status");
    await shot(p, "02-map");
  });

  // Issue 18, item 9: a shape as well as a colour per status, clusters in a colour no status has,
  // the legend as a filter, and the sites' names as labels.
  await step("the map legend shows each status's shape, and unticking a status hides its markers", async () => {
    await p.goto(base + "/map");
    await p.waitForSelector("#map[data-shown]");
    const statuses = ["known", "surveyed", "inaccessible", "farmland", "relocated", "exhumed"];
    const legend = await p.$$eval("#map-legend li", (lis) => lis.map((li) => {
      const svg = li.querySelector("svg.shape");
      return {
        status: li.dataset.status,
        shape: svg && svg.innerHTML,
        fill: svg && getComputedStyle(svg).fill,
        label: li.textContent.trim(),
        checked: li.querySelector("input[type=checkbox]").checked,
      };
    }));
    assert(JSON.stringify(legend.map((l) => l.status)) === JSON.stringify(statuses), `legend: ${legend.map((l) => l.status)}`);
    assert(legend.every((l) => l.shape && l.label && l.checked), `every status has a shape, a name and a ticked box: ${JSON.stringify(legend)}`);
    assert(new Set(legend.map((l) => l.shape)).size === statuses.length, "a different shape per status");
    assert(new Set(legend.map((l) => l.fill)).size === statuses.length, `a different colour per status: ${legend.map((l) => l.fill)}`);
    // Each marker draws its status's shape from the legend.
    const markers = await p.$$eval(".site-marker", (els) => els.map((e) => ({ status: e.dataset.status, shape: e.querySelector("svg").innerHTML, name: e.textContent })));
    assert(markers.length > 0, "some markers outside clusters");
    for (const m of markers) {
      assert(m.shape === legend.find((l) => l.status === m.status).shape, `${m.status} marker has its legend's shape`);
      assert(m.name.trim().length > 0, "a marker is named for screen readers");
    }
    // The label: a site's name on hover.
    const first = await p.$(".site-marker");
    const site = await first.getAttribute("data-site");
    await first.hover();
    await p.waitForSelector(".leaflet-tooltip.site-label");
    const tip = (await p.textContent(".leaflet-tooltip.site-label")).trim();
    const data = JSON.parse(await p.textContent("#site-data"));
    assert(tip === data.find((s) => String(s.id) === site).name, `tooltip ${tip}`);
    // The filter: untick "known", its markers go (clustered or not), the rest stay; tick it again.
    const known = data.filter((s) => s.status === "known").length;
    assert(known > 0, "the fixture has known sites");
    const visible = () => p.evaluate(() => document.querySelectorAll(".site-marker").length
      + [...document.querySelectorAll(".marker-cluster .n")].reduce((n, s) => n + Number(s.textContent), 0));
    await p.uncheck("#map-legend input[value=known]");
    await p.waitForSelector(`#map[data-shown='${data.length - known}']`);
    await p.waitForFunction(() => document.querySelectorAll(".site-marker[data-status=known]").length === 0);
    const after = await visible();
    assert(after === data.length - known, `${data.length - known} markers once known is unticked, saw ${after}`);
    const shown = await p.textContent("#map-shown");
    assert(shown.includes(String(data.length - known)) && shown.includes(String(data.length)), `says what is shown: ${shown}`);
    await shot(p, "02-map-filtered");
    await p.check("#map-legend input[value=known]");
    await p.waitForSelector(`#map[data-shown='${data.length}']`);
    const all = (n) => document.querySelectorAll(".site-marker").length
      + [...document.querySelectorAll(".marker-cluster .n")].reduce((m, s) => m + Number(s.textContent), 0) === n;
    await p.waitForFunction(all, data.length);
    // Zoomed out, the sites cluster: white with a dark ring, a colour no status has.
    while (!(await p.$(".leaflet-control-zoom-out.leaflet-disabled"))) {
      await p.click(".leaflet-control-zoom-out");
      await p.waitForTimeout(350);
    }
    await p.waitForSelector(".site-cluster");
    await p.waitForFunction(all, data.length);
    const statusColours = new Set(legend.map((l) => l.fill));
    const clusterColours = await p.$$eval(".site-cluster div", (els) => els.flatMap((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderTopColor]));
    assert(clusterColours.length > 0 && clusterColours.every((c) => !statusColours.has(c)), `cluster colours ${clusterColours} against ${[...statusColours]}`);
    const clusterName = await p.textContent(".site-cluster .visually-hidden");
    assert(/\d+ burial sites/.test(clusterName), `a cluster is named: ${clusterName}`);
    await shot(p, "02-map-clusters");
  });

  await step("a site page shows names in every script and the relocation", async () => {
    const old = fixture.sites.find((s) => s.external_id === "S-KHAB-OLD");
    await p.goto(`${base}/sites/${old.id}`);
    const html = await p.content();
    assert(html.includes("ハバロフスク 旧墓地") && html.includes("Khabarovsk, old cemetery"), "both scripts");
    assert(html.includes("ハバロフスク 新墓地") || html.includes("Khabarovsk, new cemetery"), "relocated to the new cemetery");
    const boug = fixture.sites.find((s) => s.external_id === "S-BOUG");
    await p.goto(`${base}/sites/${boug.id}`);
    assert((await p.content()).includes("Bougainville recovery 2026"), "the mission to the site");
    await shot(p, "03-site");
  });

  for (const [label, query] of [
    ["kanji", "山田"], ["romaji", "yamada taro"], ["kana", "やまだ"], ["katakana", "ヤマダタロウ"],
    ["given name first", "Taro Yamada"], ["long vowel written out", "Yamada Tarou"],
  ]) {
    await step(`person search finds a name by ${label}`, async () => {
      await p.goto(base + "/persons");
      await p.fill("#q", query);
      await p.waitForFunction(
        () => document.querySelectorAll("#results tbody tr").length === 1 && document.querySelector("#results").textContent.includes("山田太郎"),
        null, { timeout: 10000 });
      const rows = await p.$$eval("#results tbody tr", (r) => r.map((x) => x.textContent));
      assert(rows.length === 1 && rows[0].includes("Yamada Taro"), `one Yamada: ${rows}`);
      await shot(p, `04-persons-${label}`);
    });
  }

  await step("a person page shows the timeline and sources", async () => {
    await p.goto(`${base}/persons/${fixture.taro.id}`);
    const html = await p.content();
    assert(html.includes("Ministry death register"), "sources");
    assert(html.includes("April 1921"), "dates in English");
    await shot(p, "05-person");
  });

  await step("the family page draws the pedigree with one symbol per member", async () => {
    await p.goto(`${base}/families/${fixture.family.id}`);
    const symbols = await p.$$eval("svg.pedigree .pedigree-symbol", (e) => e.length);
    assert(symbols === 5, `5 members, ${symbols} symbols`);
    assert(await p.$$eval("svg.pedigree .pedigree-symbol.missing", (e) => e.length) === 1, "one missing person");
    assert(await p.$$eval("svg.pedigree .donor-dot", (e) => e.length) === 2, "two donors");
    assert(await p.$$eval("svg.pedigree .slash", (e) => e.length) === 3, "three deceased");
    assert(await p.$$eval("svg.pedigree rect", (e) => e.length) === 3, "three men");
    assert(await p.$$eval("svg.pedigree .pedigree-symbol > circle:not(.donor-dot)", (e) => e.length) === 2, "two women");
    assert((await p.content()).includes("identification-only"), "consent shown");
    await shot(p, "06-family");
  });

  await step("samples and chain of custody", async () => {
    await p.goto(base + "/samples");
    await Promise.all([p.waitForURL(/\/samples\/\d+/), p.click("text=SM-BOUG-1")]);
    const rows = await p.$$eval("table tbody tr", (r) => r.length);
    assert(rows === 2, `two custody events, ${rows}`);
    await shot(p, "07-sample");
  });

  let candidateUrl;
  await step("a matching job started from the page reaches 100%", async () => {
    await p.goto(base + "/jobs");
    await Promise.all([p.waitForURL(/\/jobs\/\d+$/), p.click("#start-job")]);
    await p.waitForSelector(".percent[data-percent='100']", { timeout: 60000 });
    await p.waitForSelector("#job-block table tbody tr a");
    await shot(p, "08-job");
    candidateUrl = base + (await p.getAttribute("#job-block table tbody tr a", "href"));
  });

  await step("the candidate page shows the SNP LR of each chromosome and the karyogram", async () => {
    await p.goto(candidateUrl);
    const rows = await p.$$eval(".snp-evidence table tbody tr", (trs) => trs.length);
    assert(rows === 4, `three chromosomes and the total: ${rows}`);
    const states = await p.$$eval("svg.ibd rect[data-ibd]", (rs) => [...new Set(rs.map((r) => r.getAttribute("data-ibd")))]);
    assert(states.includes("1") || states.includes("2"), `segments shared by descent are drawn: ${states}`);
    const figures = await p.$$eval(".karyogram figure", (fs) => fs.length);
    assert(figures === 2, `one karyogram per SNP reference (Kiyo, Jiro): ${figures}`);
    await shot(p, "08b-candidate-snps");
  });

  let reviewerHtml = "";
  await step("two different reviewers confirm and the person becomes identified", async () => {
    await p.goto(candidateUrl);
    assert((await p.content()).includes("Sample " + fixture.samples[0].id) || (await p.content()).includes(String(fixture.samples[0].id)), "the son's sample is the candidate");
    await Promise.all([p.waitForURL(/#decision/), p.click("#propose")]);
    assert(await p.$("#review-form") === null, "an admin may not review");
    await signOut(p);
    for (const reviewer of ["rev1", "rev2"]) {
      await signIn(p, reviewer);
      // The proposal is in the reviewer's queue on the dashboard, one click from the decision.
      const queued = "#your-work [data-queue='/queues/review'] a.queue-item";
      await p.waitForSelector(queued);
      assert(await p.textContent("[data-queue='/queues/review'] .n") === "1", "one identification awaits each reviewer");
      if (reviewer === "rev1") await shot(p, "09-review-queue");
      await Promise.all([p.waitForURL(/\/candidates\/\d+#decision$/), p.click(queued)]);
      assert(p.url().split("#")[0] === candidateUrl, `the queue leads to the candidate: ${p.url()}`);
      reviewerHtml = await p.content();
      assert(!reviewerHtml.includes("(rev1)"), "blind: the second reviewer does not see the first's decision");
      assert(await p.$(".blind") !== null, "the page says reviews are blind");
      await p.check("input[name=decision][value=confirm]");
      await p.fill("#comment", `Checked marker by marker (${reviewer}).`);
      await Promise.all([p.waitForURL(/#decision/), p.click("#review-form button[type=submit]")]);
      assert(await p.$("#review-form") === null, "one review per reviewer");
      if (reviewer === "rev1") {
        assert(await p.getAttribute(".identification-status", "data-status") === "proposed", "one confirmation is not enough");
        await shot(p, "09-candidate-one-review");
        await p.goto(base + "/queues/review");
        assert(await p.getAttribute("#queue", "data-total") === "0", "decided: gone from rev1's queue");
      }
      await signOut(p);
    }
    await signIn(p, "rev1");
    await p.goto(candidateUrl);
    assert(await p.getAttribute(".identification-status", "data-status") === "confirmed", "confirmed");
    assert(await p.getAttribute(".person-status", "data-status") === "identified", "the person is identified");
    await shot(p, "10-candidate-identified");
    // Positive control for the liaison check below: a reviewer does see the genotypes.
    assert(reviewerHtml.includes(PROFILES.taro.M1) && reviewerHtml.includes(PROFILES.kiyo.M1), "genotypes side by side for a reviewer");
    await signOut(p);
  });

  await step("Japanese: the analyst's queues, the decided candidate and the reviewer's queue", async () => {
    const { page, context } = await session({ locale: "ja-JP" });
    await signIn(page, "lab");
    let html = await page.content();
    assert(html.includes('lang="ja"') && html.includes("提案を待つ候補") && html.includes("型判定待ちの試料"), "the analyst's queues on the dashboard, in Japanese");
    await page.goto(base + "/queues/candidates");
    html = await page.content();
    assert(html.includes("提案を待つ候補") && html.includes("最新の完了ジョブの候補"), "the candidates queue in Japanese");
    await shot(page, "10b-analyst-queue-ja");
    await page.goto(candidateUrl);
    assert(await page.getAttribute(".identification-status", "data-status") === "confirmed", "the candidate's identification, confirmed");
    assert((await page.textContent(".identification-status")).includes("確定"), "its status in Japanese");
    await shot(page, "10c-candidate-identified-ja");
    await signOut(page);
    await signIn(page, "rev2");
    await page.goto(base + "/queues/review");
    html = await page.content();
    assert(html.includes("自分の提案と審査済みのものは表示されません"), "the review queue's rule, in Japanese");
    assert(await page.getAttribute("#queue", "data-total") === "0", "decided: nothing left for rev2");
    await shot(page, "10d-review-queue-ja");
    await context.close();
  });

  await step("missions show their sites, participants and itinerary", async () => {
    await signIn(p, "planner");
    await p.goto(`${base}/missions/${fixture.mission.id}`);
    await p.waitForSelector("#map[data-shapes-loaded='true']", { timeout: 15000 });
    const html = await p.content();
    assert(html.includes("Kim Min-jun") && html.includes("Northern Saipan") && html.includes("Buin cemetery"), "participants and sites");
    assert(await p.$$eval(".site-marker, .marker-cluster", (e) => e.length) >= 1, "sites on the map");
    await shot(p, "11-mission");
    await signOut(p);
  });

  await step("the printable report", async () => {
    await signIn(p, "admin");
    await p.goto(`${base}/families/${fixture.family.id}/report`);
    assert((await p.content()).includes("confirmed"), "the confirmed identification");
    // The print button works from the page's script (no onclick= under the CSP).
    await p.evaluate(() => { window.printed = 0; window.print = () => { window.printed += 1; }; });
    await p.click("button[data-action=print]");
    assert(await p.evaluate(() => window.printed) === 1, "the print button prints");
    await p.emulateMedia({ media: "print" });
    assert(!(await p.isVisible("header.top")), "no navigation in print");
    await shot(p, "12-report-print");
    await p.emulateMedia({ media: "screen" });
    await signOut(p);
  });

  await step("a family liaison never receives a genotype", async () => {
    const { page, context } = await session();
    await signIn(page, "liaison");
    const visited = [];
    const pages = ["/", "/map", "/persons", `/persons/${fixture.taro.id}`, "/families", `/families/${fixture.family.id}`,
      `/families/${fixture.family.id}/report`, `/sites/${fixture.sites[0].id}`, candidateUrl.replace(base, ""),
      "/samples", `/samples/${fixture.samples[0].id}`, "/jobs"];
    const genotypes = Object.values(PROFILES).flatMap((p) => Object.values(p));
    const allele = new RegExp(`(?<![\\d.])(${ALLELES.map((a) => a.replace(".", "\\.")).join("|")})(?![\\d])`);
    for (const url of pages) {
      const response = await page.goto(base + url);
      const html = await response.text();
      visited.push(`${url} ${response.status()}`);
      for (const g of genotypes) assert(!html.includes(g), `${url}: genotype ${g}`);
      const m = allele.exec(html);
      assert(!m, `${url}: allele ${m && m[0]} near "${m && html.slice(m.index - 40, m.index + 20)}"`);
      assert(!html.includes('class="genotype"'), `${url}: genotype cells`);
    }
    assert(visited.some((v) => v.startsWith(candidateUrl.replace(base, "")) && v.endsWith(" 403")), `candidate page refused: ${visited}`);
    await page.goto(`${base}/families/${fixture.family.id}`);
    await shot(page, "13-liaison-family");
    await context.close();
  });

  await step("a family liaison asks for a grave visit through the family page's form", async () => {
    const api = (method, url) => fetch(base + url, { method, headers: { Authorization: `Bearer ${token}` } });
    const f = fixture.family.id;
    const assigned = await api("PUT", `/api/v1/families/${f}/liaisons/liaison`);
    assert(assigned.status < 300, `assigned: ${assigned.status}`);
    const { page, context } = await session({ locale: "en-GB" });
    await signIn(page, "liaison");
    await page.goto(`${base}/families/${f}`);
    const site = String(fixture.sites[0].id);
    await page.selectOption("#visit-site_id", site);
    await page.fill("#visit-visitors", "2");
    await page.selectOption("#visit-mobility", "limited");
    await page.fill("#visit-notes", "One of us walks with a stick");
    await Promise.all([page.waitForURL(/#visit-request$/), page.click("#visit-form button[type=submit]")]);
    const requests = await (await api("GET", "/api/v1/visit-requests")).json();
    assert(requests.some((r) => r.family_id === f && String(r.site_id) === site && r.visitors === 2 && r.mobility === "limited"),
      `recorded: ${JSON.stringify(requests)}`);
    // The same site again: 409, the message beside the site, the input kept, nothing written.
    await page.selectOption("#visit-site_id", site);
    await page.fill("#visit-visitors", "4");
    const [response] = await Promise.all([page.waitForNavigation(), page.click("#visit-form button[type=submit]")]);
    assert(response.status() === 409, `duplicate: ${response.status()}`);
    const message = await page.textContent("#visit-site_id-error");
    assert(/already asked to visit this site/.test(message), `beside the site: ${message}`);
    assert(await page.getAttribute("#visit-site_id", "aria-invalid") === "true", "the site marked invalid");
    assert(await page.inputValue("#visit-visitors") === "4", "input kept");
    const after = await (await api("GET", "/api/v1/visit-requests")).json();
    assert(after.length === requests.length, "nothing written");
    await shot(page, "13b-visit-request-refused");
    await context.close();
  });

  await step("Japanese: the liaison's family page and the identification report for the family", async () => {
    const api = (method, url) => fetch(base + url, { method, headers: { Authorization: `Bearer ${token}` } });
    const confirmed = await (await api("GET", "/api/v1/identifications?status=confirmed")).json();
    assert(confirmed.items.length >= 1, `a confirmed identification: ${JSON.stringify(confirmed)}`);
    const id = confirmed.items[0].id;
    const { page, context } = await session({ locale: "ja-JP" });
    await signIn(page, "liaison");
    await page.goto(`${base}/families/${fixture.family.id}`);
    let html = await page.content();
    assert(html.includes("構成員を追加") && html.includes("家系図"), "the family page in Japanese");
    await shot(page, "13c-liaison-family-ja");
    await page.goto(`${base}/identifications/${id}/report`);
    html = await page.content();
    assert(html.includes("ご家族へ") && html.includes("身元を確認しました"), "the report's paragraph for the family, in Japanese");
    assert(!html.includes('class="draft"'), "confirmed: not a draft");
    assert(html.includes(" JST"), "times in Japan Standard Time");
    assert(html.includes('id="recomputation"') && !html.includes("data-reproduced"), "a liaison is told who recomputes; no genotype read");
    await shot(page, "13d-identification-report-ja");
    // The same report as a PDF, from the page's link: read back with poppler (its text, and the
    // first page drawn with the Japanese font the machine has, saved beside the screenshots).
    const pdfUrl = await page.getAttribute("#report-pdf", "href");
    // (A request from the page carries its cookies but not the browser's language: sent as a browser would.)
    const pdf = await page.request.get(base + pdfUrl, { headers: { "Accept-Language": "ja-JP,ja;q=0.9" } });
    assert(pdf.status() === 200 && pdf.headers()["content-type"] === "application/pdf", `the PDF: ${pdf.status()}`);
    const pdfPath = path.join(out, "13e-identification-report-ja.pdf");
    fs.writeFileSync(pdfPath, await pdf.body());
    const text = spawnSync("pdftotext", ["-layout", pdfPath, "-"], { encoding: "utf8" });
    assert(text.status === 0, `pdftotext: ${text.stderr}`);
    // Japanese lines break between any two characters: compared without the breaks.
    const flat = text.stdout.replace(/\s+/g, "");
    assert(flat.includes("ご家族へ") && flat.includes("身元を確認しました"), "the PDF's paragraph for the family, in Japanese");
    assert(!flat.includes("草案") && flat.includes("署名"), "confirmed: no DRAFT mark; lines to sign");
    const drawn = spawnSync("pdftoppm", ["-png", "-r", "60", "-f", "1", "-singlefile", pdfPath, path.join(out, "13e-identification-report-ja-pdf")]);
    assert(drawn.status === 0, "pdftoppm drew the PDF");
    await context.close();
  });

  await step("a family liaison records that the family was told, from the notifications queue", async () => {
    const api = (method, url) => fetch(base + url, { method, headers: { Authorization: `Bearer ${token}` } });
    const { page, context } = await session({ locale: "en-GB" });
    await signIn(page, "liaison");
    await page.goto(base + "/queues/notifications");
    const forms = await page.$$("form.notify");
    assert(forms.length >= 1, "a notification is due for the confirmed identification");
    await shot(page, "13e-notifications-due");
    const form = "form.notify";
    await page.selectOption(`${form} select[name=channel]`, "visit");
    await page.fill(`${form} input[name=note]`, "Told at home in Sendai, with the liaison officer");
    await Promise.all([page.waitForURL(/\/queues\/notifications$/), page.click(`${form} button[type=submit]`)]);
    assert((await page.$$("form.notify")).length === forms.length - 1, "the family is no longer due");
    const told = await (await api("GET", `/api/v1/notifications?family=${fixture.family.id}`)).json();
    assert(told.some((n) => n.channel === "visit" && /Sendai/.test(n.note || "")), `recorded: ${JSON.stringify(told)}`);
    await context.close();
  });

  /** Plans the days of the mission at `url` from a base near Buin; returns how many days the map draws. */
  async function planDays(page, url) {
    await page.goto(url);
    await page.fill("#plan-base_label", "Buin guest house");
    await page.fill("#plan-base_lat", "-6.72");
    await page.fill("#plan-base_lon", "155.62");
    await Promise.all([page.waitForURL(/#day-plans$/), page.click("#plan-form button[type=submit]")]);
    await page.waitForSelector("#map[data-routes]");
    return Number(await page.getAttribute("#map", "data-routes"));
  }

  let missionUrl = "";
  await step("a mission planner creates a grave visit and plans its days, drawn on the map", async () => {
    const { page, context } = await session({ locale: "en-GB" });
    await signIn(page, "planner");
    await page.goto(base + "/missions");
    await Promise.all([page.waitForURL(/\/missions\/new$/), page.click("#new-mission")]);
    // Refused first by the registry: the end before the start; the message beside it, input kept.
    await page.fill("#name", "Bougainville grave visit 2027");
    await page.selectOption("#site_ids", [String(fixture.sites[0].id)]);
    await page.fill("#start", "2027-03-04");
    await page.fill("#end", "2027-03-01");
    const [refused] = await Promise.all([page.waitForNavigation(), page.click("#mission-form button[type=submit]")]);
    assert(refused.status() === 400, `end before start: ${refused.status()}`);
    assert(await page.$("#end-error") !== null, "the error beside the end date");
    assert(await page.inputValue("#name") === "Bougainville grave visit 2027", "input kept");
    await page.fill("#start", "2027-03-01");
    await page.fill("#end", "2027-03-04");
    await page.fill("#participants", "Sato Hanako — liaison officer\nKim Min-jun — guide");
    await Promise.all([page.waitForURL(/\/missions\/\d+$/), page.click("#mission-form button[type=submit]")]);
    missionUrl = page.url();
    assert((await page.content()).includes("Kim Min-jun"), "the participants");
    const routes = await planDays(page, missionUrl);
    assert(routes >= 1, `a day drawn on the map: ${routes}`);
    const plans = await page.textContent("#day-plans");
    assert(/Buin cemetery/.test(plans) && /Buin guest house/.test(plans), `the day plans: ${plans}`);
    await shot(page, "17-mission-planned");
    await context.close();
  });

  await step("Japanese: the planner plans the mission again; the days in Japanese", async () => {
    const { page, context } = await session({ locale: "ja-JP" });
    await signIn(page, "planner");
    await page.goto(missionUrl);
    assert((await page.content()).includes("行程を計画"), "the form in Japanese");
    const routes = await planDays(page, missionUrl);
    assert(routes >= 1, `drawn again: ${routes}`);
    const data = JSON.parse(await page.textContent("#route-data"));
    assert(data[0].label === "1日目", `the day named in Japanese: ${data[0].label}`);
    await shot(page, "17b-mission-planned-ja");
    await context.close();
  });

  await step("a viewer sees the map and numbers only; buttons a role cannot use are not shown", async () => {
    const { page, context } = await session();
    await signIn(page, "viewer");
    const nav = await page.$$eval("header nav a", (a) => a.map((x) => x.getAttribute("href")));
    assert(JSON.stringify(nav) === JSON.stringify(["/", "/map"]), `viewer nav: ${nav}`);
    assert((await page.goto(base + "/persons")).status() === 403, "persons refused");
    const form = await page.request.post(base + "/jobs", { form: { csrf: "x" } });
    assert(form.status() === 403, `job start refused: ${form.status()}`);
    await context.close();
    const lab = await session();
    await signIn(lab.page, "rev2");
    await lab.page.goto(base + "/jobs");
    assert(await lab.page.$("#start-job") === null, "a reviewer sees no start button");
    await lab.context.close();
  });

  await step("a form post without the CSRF token is refused", async () => {
    const { page, context } = await session();
    await signIn(page, "lab");
    const r = await page.request.post(base + "/jobs", { form: {} });
    assert(r.status() === 403, `no token: ${r.status()}`);
    await context.close();
  });

  await step("Japanese: by Accept-Language, and chosen per user", async () => {
    const { page, context } = await session({ locale: "ja-JP" });
    await page.goto(base + "/signin");
    assert((await page.textContent("h1")).includes("サインイン"), "sign-in page in Japanese");
    await signIn(page, "lab");
    assert((await page.textContent("h1")).includes("ダッシュボード"), "dashboard in Japanese");
    await context.close();
    // An English browser, and the user chooses Japanese in the header.
    const en = await session({ locale: "en-GB" });
    await signIn(en.page, "admin");
    assert((await en.page.textContent("h1")).includes("Dashboard"), "English first");
    await en.page.goto(`${base}/persons/${fixture.taro.id}`);
    await en.page.selectOption("#locale", "ja");
    await Promise.all([en.page.waitForNavigation(), en.page.click("form[action='/settings/locale'] button")]);
    const html = await en.page.content();
    assert(html.includes("状態の経過") && html.includes("1921年（大正10年）4月"), "labels and dates in Japanese, the era beside the year");
    const main = await en.page.textContent(".lead .names .main");
    assert(main.trim() === "山田太郎", `kanji first: ${main}`);
    await shot(en.page, "14-person-ja");
    await en.page.goto(`${base}/families/${fixture.family.id}`);
    await shot(en.page, "15-family-ja");
    // Back to following the browser: English again in this English browser.
    await en.page.selectOption("#locale", "auto");
    await Promise.all([en.page.waitForNavigation(), en.page.click("form[action='/settings/locale'] button")]);
    assert((await en.page.textContent("label[for=locale]")).includes("Language"), "the browser's language followed");
    assert((await en.page.inputValue("#locale")) === "auto", "the choice shown as the browser's language");
    await en.context.close();
  });

  await step("a family liaison records a consent withdrawal and sees the identification flagged, with why", async () => {
    const api = (method, url) => fetch(base + url, { method, headers: { Authorization: `Bearer ${token}` } });
    const refs = await (await api("GET", `/api/v1/references?family=${fixture.family.id}`)).json();
    const jiro = refs.find((r) => r.external_id === "R-JIRO");
    const { page, context } = await session({ locale: "en-GB" });
    await signIn(page, "liaison");
    await page.goto(`${base}/families/${fixture.family.id}`);
    await page.fill(`#withdraw-${jiro.id}-reason`, "Jiro telephoned: he withdraws his consent");
    await Promise.all([page.waitForURL(/#references$/), page.click(`#withdraw-${jiro.id} button[type=submit]`)]);
    const after = await (await api("GET", `/api/v1/references/${jiro.id}`)).json();
    assert(after.withdrawal && /telephoned/.test(after.withdrawal.reason), `withdrawn: ${JSON.stringify(after)}`);
    const status = await page.textContent(".identification-status");
    assert(/flagged/i.test(status), `the identification is flagged: ${status}`);
    const why = await page.textContent(".flag-reason");
    assert(/R-JIRO/.test(why), `with the reason: ${why}`);
    await shot(page, "18-consent-withdrawn-flagged");
    await context.close();
    const ja = await session({ locale: "ja-JP" });
    await signIn(ja.page, "liaison");
    await ja.page.goto(`${base}/families/${fixture.family.id}`);
    assert(await ja.page.$(".identification-status[data-status='flagged']") !== null, "flagged, in Japanese too");
    assert((await ja.page.content()).includes("撤回"), "the withdrawal shown in Japanese");
    await shot(ja.page, "18b-consent-withdrawn-flagged-ja");
    await ja.context.close();
  });

  await step("usable at 360 px wide", async () => {
    const { page, context } = await session({ viewport: { width: 360, height: 740 } });
    await signIn(page, "admin");
    for (const url of ["/", "/persons", `/families/${fixture.family.id}`, candidateUrl.replace(base, "")]) {
      await page.goto(base + url);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 360, `${url}: page is ${width} px wide`);
    }
    await shot(page, "16-narrow-family");
    // Keyboard: the skip link is the first stop and focus is visible.
    await page.keyboard.press("Tab");
    assert(await page.evaluate(() => document.activeElement.className) === "skip", "skip link first");
    await context.close();
  });

  await step("no request left localhost", async () => {
    assert(outside.length === 0, `requests outside: ${outside.join(", ")}`);
  });
  await step("no script errors and no Content-Security-Policy violation on any page", async () => {
    assert(scriptErrors.length === 0, [...new Set(scriptErrors)].join("; "));
  });
} catch (e) {
  results.push(["setup", false]);
  console.log(`setup failed: ${e.stack || e}`);
} finally {
  if (browser) await browser.close();
  child.kill("SIGTERM");
}

const passed = results.filter((r) => r[1]).length;
const failed = results.length - passed;
console.log(`screenshots: ${out}`);
console.log(`test result: ${failed ? "FAILED" : "ok"}. ${passed} passed; ${failed} failed; 0 ignored; 0 measured; 0 filtered out`);
process.exit(failed ? 1 : 0);
