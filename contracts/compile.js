// Compiles contracts/src/*.sol with the pinned solc-js and writes, per contract, the ABI
// (<Name>.abi.json) and the creation bytecode (<Name>.bin, hex without 0x) into an output
// folder. Run by contracts/generate.sh; the output is committed under contracts/artifacts.
//
// usage: node compile.js <node_modules dir> <output dir>
'use strict';

const fs = require('fs');
const path = require('path');

const [nodeModules, outDir] = process.argv.slice(2);
if (!nodeModules || !outDir) {
  console.error('usage: node compile.js <node_modules dir> <output dir>');
  process.exit(2);
}
const solc = require(path.join(path.resolve(nodeModules), 'solc'));

// Source unit names are repository-relative so the metadata hash embedded in the bytecode
// does not depend on where the checkout lives.
const srcDir = path.join(__dirname, 'src');
const sources = {};
for (const f of fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources['src/' + f] = { content: fs.readFileSync(path.join(srcDir, f), 'utf8') };
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    // Cancun runs on the go-ethereum simulated backend, geth --dev and older anvil/hardhat.
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};

function findImports(p) {
  if (!p.startsWith('@openzeppelin/contracts/')) {
    return { error: 'import outside @openzeppelin/contracts: ' + p };
  }
  try {
    return { contents: fs.readFileSync(path.join(path.resolve(nodeModules), p), 'utf8') };
  } catch (e) {
    return { error: String(e) };
  }
}

const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
let failed = false;
for (const e of out.errors || []) {
  console.error(e.formattedMessage);
  if (e.severity === 'error') failed = true;
}
if (failed) process.exit(1);

fs.mkdirSync(outDir, { recursive: true });
for (const src of Object.keys(out.contracts).sort()) {
  if (!src.startsWith('src/')) continue;
  for (const name of Object.keys(out.contracts[src]).sort()) {
    const c = out.contracts[src][name];
    if (!c.evm.bytecode.object) continue; // interfaces and abstract contracts
    fs.writeFileSync(path.join(outDir, name + '.abi.json'), JSON.stringify(c.abi, null, 2) + '\n');
    fs.writeFileSync(path.join(outDir, name + '.bin'), c.evm.bytecode.object + '\n');
  }
}
fs.writeFileSync(path.join(outDir, 'COMPILER'), 'solc ' + solc.version() + '\n');
