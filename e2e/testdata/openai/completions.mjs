// The official OpenAI SDK as an agent runs it, with the buyer sidecar as its API
// base: one completion, then one streamed completion whose chunk arrival times (ms
// since the request was sent) it reports. One JSON line per call.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: "client-own-key", maxRetries: 0 });
const model = process.env.MODEL;

const done = await client.chat.completions.create({ model, messages: [{ role: "user", content: "hello" }] });
console.log(JSON.stringify({ call: "chat", content: done.choices[0].message.content }));

const t0 = performance.now();
const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: "count" }] });
const arrivals = [];
let text = "";
for await (const chunk of stream) {
  const part = chunk.choices[0]?.delta?.content ?? "";
  if (part !== "") {
    arrivals.push(Math.round(performance.now() - t0));
    text += part;
  }
}
console.log(JSON.stringify({ call: "stream", content: text, arrivals }));
