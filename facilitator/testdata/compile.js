// Compiles TestWallet.sol with the pinned solc-js (the contracts toolchain):
//   node compile.js "$(bash ../../scripts/install-solc.sh)"
// and writes TestWallet.abi.json and TestWallet.bin (hex, no 0x) next to it.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require(path.join(path.resolve(process.argv[2]), 'solc'));
const input = {
  language: 'Solidity',
  sources: { 'TestWallet.sol': { content: fs.readFileSync(path.join(__dirname, 'TestWallet.sol'), 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors || []) {
  console.error(e.formattedMessage);
  if (e.severity === 'error') process.exit(1);
}
const c = out.contracts['TestWallet.sol'].TestWallet;
fs.writeFileSync(path.join(__dirname, 'TestWallet.abi.json'), JSON.stringify(c.abi, null, 2) + '\n');
fs.writeFileSync(path.join(__dirname, 'TestWallet.bin'), c.evm.bytecode.object + '\n');
