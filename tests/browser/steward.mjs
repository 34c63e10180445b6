// The path from "I have a CSV" to "it is published", as a steward and a visitor take it, in
// Debian's headless Chromium: open the home page, search, open an item and a dataset, see their map markers,
// sign in as a steward, upload a file with an error, see the error cell, upload the fixed file,
// publish, and see the new version. A screenshot of each step goes to $ARTEFACTS.
//
// Run by tests/browser/run.sh, which starts the server and makes the token and the files.
import { chromium } from "playwright-core";
import path from "node:path";

const { BASE, TOKEN, CHROMIUM, ARTEFACTS, BAD_FILE, FIXED_FILE } = process.env;
for (const [name, value] of Object.entries({ BASE, TOKEN, CHROMIUM, ARTEFACTS, BAD_FILE, FIXED_FILE })) {
  if (!value) {
    console.error(`steward.mjs: ${name} is not set (run tests/browser/run.sh)`);
    process.exit(2);
  }
}

let step = 0;
let page;

function check(condition, what) {
  if (!condition) throw new Error(`expected: ${what}`);
}

async function shot(name) {
  step += 1;
  const file = path.join(ARTEFACTS, `${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  ok  ${String(step).padStart(2, "0")} ${name}`);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const errors = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "sv-SE" });
  // No internet here: map tiles are refused at once, so the page shows its points over the
  // plain background (what it must do anyway).
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));

  // 1. The home page: every dataset, in Swedish.
  await page.goto(`${BASE}/`);
  check((await page.getAttribute("html", "lang")) === "sv", "the home page is in Swedish");
  check(await page.locator('a[href="/datasets/harryda-badplatser"]').count() === 1, "Härryda's bath sites listed");
  await shot("home");

  // 2. Search, through the form as a visitor types it.
  await page.getByLabel("Sök", { exact: true }).fill("Frökens udde");
  await page.getByLabel("Sök", { exact: true }).press("Enter");
  await page.waitForURL(/[?&]q=/);
  check(await page.getByRole("link", { name: "Frökens udde" }).count() >= 1, "the search finds Frökens udde");
  await shot("search");

  // An item's page (its Linked Data URI, in the site's layout), with its point on a map.
  await page.getByRole("link", { name: "Frökens udde" }).first().click();
  await page.waitForURL(/\/id\/harryda-badplatser\/frokens-udde$/);
  await page.waitForFunction(() => document.getElementById("map")?.getAttribute("data-markers") === "1", null, {
    timeout: 15000,
  });
  check(await page.getByRole("link", { name: /Badplatser i Härryda kommun/ }).count() === 1, "the item links its dataset");
  await shot("item");

  // 3. A dataset's page, and its map's markers.
  await page.goto(`${BASE}/datasets/harryda-badplatser`);
  check((await page.locator("h1").innerText()).includes("Badplatser"), "the dataset page's title");
  await page.waitForFunction(() => Number(document.getElementById("map")?.getAttribute("data-markers")) > 0, null, {
    timeout: 15000,
  });
  const markers = Number(await page.getAttribute("#map", "data-markers"));
  check(markers === 9, `9 markers on the map (got ${markers})`);
  check(await page.locator(".leaflet-container").count() === 1, "a Leaflet map");
  await shot("dataset-map");

  // 4. Sign in as a steward, from the menu.
  await page.getByRole("link", { name: "Publicera data" }).click();
  await page.getByLabel("Nyckel (token)").fill("dh_wrong");
  await page.getByRole("button", { name: "Logga in" }).click();
  check(await page.getByRole("alert").count() === 1, "a wrong token is refused with a message");
  await page.getByLabel("Nyckel (token)").fill(TOKEN);
  await page.getByRole("button", { name: "Logga in" }).click();
  await page.getByText("Inloggad som").waitFor();
  check((await page.content()).includes("Anna Andersson, GIS"), "signed in under the token's name");
  await shot("signed-in");

  // 5. The dataset's steward page: upload a file with an error.
  await page.getByRole("link", { name: "Badplatser i Härryda kommun" }).click();
  const versionsBefore = await page.locator("table.versions tbody tr").count();
  check(versionsBefore >= 1, "the versions table lists the first version");
  await page.getByLabel("Fil", { exact: true }).setInputFiles(BAD_FILE);
  await page.getByRole("button", { name: "Kontrollera filen" }).click();
  await page.getByRole("heading", { name: /Kontroll av/ }).waitFor();

  // 6. The error cell: row 4, column C (latitude), marked and explained.
  const cell = page.locator('td.cell-error[data-row="4"][data-column="C"]');
  check(await cell.count() === 1, "the offending cell (row 4, column C) is marked");
  check((await cell.innerText()).includes("57.7O385"), "the cell shows the wrong value");
  check(await page.getByRole("button", { name: "Publicera", exact: true }).count() === 0, "a file with errors cannot be published");
  check(await page.getByRole("button", { name: /giltiga raderna/ }).count() === 1, "its valid rows can be, on request");
  const background = await cell.evaluate((el) => getComputedStyle(el).backgroundColor);
  check(background !== "rgba(0, 0, 0, 0)", "the cell is highlighted");
  await cell.scrollIntoViewIfNeeded();
  await shot("error-cell");

  // 7. Upload the fixed file from the same page; it is valid and nothing is published yet.
  await page.getByLabel("Fil", { exact: true }).setInputFiles(FIXED_FILE);
  await page.getByRole("button", { name: "Kontrollera filen" }).click();
  await page.getByText("Filen är giltig").waitFor();
  check(await page.locator("td.cell-error").count() === 0, "no error cells for the fixed file");
  await shot("fixed-file-valid");

  // 8. Publish, and see the new version.
  await page.getByRole("button", { name: "Publicera", exact: true }).click();
  await page.getByText(/Version \d+ är publicerad/).waitFor();
  const versionsAfter = await page.locator("table.versions tbody tr").count();
  check(versionsAfter === versionsBefore + 1, `one more version (${versionsBefore} → ${versionsAfter})`);
  const newest = page.locator("table.versions tbody tr").first();
  check((await newest.innerText()).includes("Anna Andersson, GIS"), "the new version names who published it");
  check((await newest.innerText()).includes("aktuell"), "the new version is the current one");
  await shot("published");

  // 9. The public page shows the new version too.
  await page.getByRole("link", { name: "Den publika sidan" }).click();
  check((await page.content()).includes(`Version ${versionsAfter},`), "the public page names the new version");
  await shot("public-page-after");

  check(errors.length === 0, `no script errors (${errors.join("; ")})`);
  console.log(`browser test passed: ${step} steps`);
} catch (e) {
  console.error(`browser test FAILED after step ${step}: ${e.message}`);
  if (page) await page.screenshot({ path: path.join(ARTEFACTS, "failure.png"), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
