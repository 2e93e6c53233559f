// An LLM client as agents run it: the official OpenAI SDK with the buyer as its API
// base and a `paid/<model>` model. Prints one JSON line per call for the Go test.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: "unused", maxRetries: 0 });
const model = process.env.MODEL;

const models = await client.models.list();
console.log(JSON.stringify({ call: "models", ids: models.data.map((m) => m.id) }));

const done = await client.chat.completions.create({ model, messages: [{ role: "user", content: "weather?" }] });
console.log(JSON.stringify({ call: "chat", content: done.choices[0].message.content, model: done.model }));

const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: "weather, streamed?" }] });
let text = "";
for await (const chunk of stream) {
  text += chunk.choices[0]?.delta?.content ?? "";
}
console.log(JSON.stringify({ call: "stream", content: text }));

try {
  await client.chat.completions.create({ model: "paid/unknown", messages: [{ role: "user", content: "x" }] });
  console.log(JSON.stringify({ call: "unknown", status: 200 }));
} catch (e) {
  console.log(JSON.stringify({ call: "unknown", status: e.status, error: e.error }));
}
