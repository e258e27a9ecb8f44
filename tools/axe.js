// axe-core over the built example site: the seven page kinds of tools/audit.sh,
// desktop (1280x800) and mobile (390x844), light and dark. Not part of CI.
//   npm install --prefix /tmp/lh puppeteer-core axe-core
//   NODE_PATH=/tmp/lh/node_modules node tools/axe.js http://127.0.0.1:8765 / /incidents/ …
const puppeteer = require("puppeteer-core");
const axeSource = require("fs").readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
(async () => {
  const [base, ...pages] = process.argv.slice(2);
  const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless=new"] });
  let total = 0;
  for (const page of pages) {
    for (const [form, w, h] of [["desktop", 1280, 800], ["mobile", 390, 844]]) {
      for (const scheme of ["light", "dark"]) {
        const tab = await browser.newPage();
        await tab.setViewport({ width: w, height: h });
        await tab.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
        await tab.goto(base + page, { waitUntil: "networkidle0" });
        await tab.evaluate(axeSource);
        const r = await tab.evaluate(async () => await axe.run(document, { resultTypes: ["violations"] }));
        total += r.violations.length;
        const ids = r.violations.map((v) => `${v.id}(${v.impact}, ${v.nodes.length})`).join(" ");
        console.log(`${page.padEnd(40)} ${form.padEnd(7)} ${scheme.padEnd(5)} violations ${r.violations.length} ${ids}`);
        await tab.close();
      }
    }
  }
  await browser.close();
  console.log(`total violations: ${total}`);
})().catch((e) => { console.error(e); process.exit(1); });
