/**
 * Compiles a Mini Program project with miniprogram-ci's getCompiledResult, the code package
 * DevTools would upload, with no upload key: the project object is given its attributes (the
 * `attr` method of miniprogram-ci's project interface), which it would otherwise fetch from
 * WeChat, signed with the key. They are miniprogram-ci's own defaults (DefaultProjectAttr, what
 * it uses when WeChat answers with an error code: a 2 MB main package and the like). A
 * placeholder key satisfies the constructor and is never read.
 *
 * node compile.cjs <miniprogram-ci package dir> <project dir> <output dir>
 * Writes each file of the result under <output dir>; exits 0 when the compile succeeded.
 */
const fs = require("node:fs");
const path = require("node:path");

const [ciDir, projectPath, outDir] = process.argv.slice(2);
const ci = require(ciDir);
const { DefaultProjectAttr } = require(path.join(ciDir, "dist", "config", "config"));

async function main() {
  const project = new ci.Project({
    appid: "touristappid",
    type: "miniProgram",
    projectPath,
    privateKey: "no upload key",
    ignores: ["node_modules/**/*"],
    attr: async () => DefaultProjectAttr,
  });
  const result = await ci.getCompiledResult({
    project,
    setting: { useProjectConfig: true },
    onProgressUpdate: () => undefined,
  });
  for (const [name, content] of Object.entries(result)) {
    const file = path.join(outDir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

main().then(
  // miniprogram-ci leaves its compiler processes running: exit explicitly.
  () => process.exit(0),
  (e) => {
    console.error(e?.stack ?? e);
    process.exit(1);
  },
);
