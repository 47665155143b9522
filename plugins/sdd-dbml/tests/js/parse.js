// Parse DBML from stdin with the reference parser (@dbml/core); print what it found as JSON.
// Exit 0 when it parses, 1 with the parser's messages when it does not.
// With --many, stdin is a JSON array of documents and the output an array of results.
const { Parser } = require("@dbml/core");

function parse(text) {
  try {
    const db = new Parser().parse(text, "dbmlv2");
    const tables = [];
    let refs = 0;
    for (const schema of db.schemas) {
      for (const table of schema.tables) {
        const name = schema.name === "public" ? table.name : `${schema.name}.${table.name}`;
        tables.push({ name, fields: table.fields.map((f) => f.name) });
      }
      refs += schema.refs.length;
    }
    return { ok: true, tables, refs };
  } catch (err) {
    const diags = (err && err.diags) || [err];
    const errors = diags.map((d) => {
      const where = d.location && d.location.start ? `line ${d.location.start.line}: ` : "";
      return where + (d.message || String(d));
    });
    return { ok: false, errors };
  }
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const results = process.argv.includes("--many") ? JSON.parse(input).map(parse) : parse(input);
  process.stdout.write(JSON.stringify(results));
  const all = Array.isArray(results) ? results : [results];
  process.exitCode = all.every((r) => r.ok) ? 0 : 1;
});
