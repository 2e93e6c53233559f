// Signs an x402 v2 payment with the official client (@x402/core x402Client +
// @x402/evm ExactEvmScheme), for interop tests of Turnpike's facilitator.
//
// stdin: a PaymentRequired JSON object; env: PAYER_KEY (0x hex). stdout: one line, the
// PaymentPayload JSON the official client produced.
import { x402Client } from "@x402/core/client";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { privateKeyToAccount } from "viem/accounts";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const paymentRequired = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const account = privateKeyToAccount(process.env.PAYER_KEY);
const client = new x402Client();
registerExactEvmScheme(client, { signer: account });
// Local tokens are not in the SDK's default-asset table: allow any asset.
client.setSpendControls({ allowedAssets: true });
const payload = await client.createPaymentPayload(paymentRequired);
process.stdout.write(JSON.stringify(payload) + "\n");
