// The project pins Node 22 through the `node` npm package; npm scripts put it first on PATH.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `cod-workbench needs Node >= 22 (running ${process.version}). Run it through npm scripts or npx after \`npm ci\`.`,
  );
  process.exit(1);
}
