/**
 * The API docs page, rendered on the server from the OpenAPI document: no script, no CDN, nothing
 * fetched from elsewhere (the engine runs on closed networks). Each error code has an anchor, which
 * is what a problem's `type` links to.
 */
import { resolveRef } from './openapi-document.ts';
import { statusByCode } from './status-codes.ts';

type Json = Record<string, unknown>;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function describeType(schema: Json): string {
  if (Array.isArray(schema['anyOf'])) return (schema['anyOf'] as Json[]).map(describeType).join(' | ');
  if (schema['const'] !== undefined) return JSON.stringify(schema['const']);
  if (Array.isArray(schema['enum']))
    return (schema['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  const type = schema['type'];
  if (type === 'array') return `array of ${describeType((schema['items'] as Json | undefined) ?? {})}`;
  const base = Array.isArray(type) ? type.join(' | ') : typeof type === 'string' ? type : 'any';
  const facts: string[] = [];
  if (typeof schema['pattern'] === 'string') facts.push(`pattern ${schema['pattern']}`);
  if (schema['minimum'] !== undefined) facts.push(`≥ ${schema['minimum']}`);
  if (schema['maximum'] !== undefined) facts.push(`≤ ${schema['maximum']}`);
  if (schema['maxItems'] !== undefined) facts.push(`at most ${schema['maxItems']} items`);
  if (schema['maxLength'] !== undefined) facts.push(`at most ${schema['maxLength']} characters`);
  if (schema['default'] !== undefined) facts.push(`default ${JSON.stringify(schema['default'])}`);
  return facts.length === 0 ? base : `${base} (${facts.join(', ')})`;
}

function renderSchema(schema: Json | undefined, depth = 0): string {
  if (schema === undefined || depth > 6) return '';
  const items = schema['type'] === 'array' ? (schema['items'] as Json | undefined) : undefined;
  const target = items ?? schema;
  const properties = target['properties'] as Record<string, Json> | undefined;
  if (properties === undefined) return '';
  const required = new Set((target['required'] as string[] | undefined) ?? []);
  const rows = Object.entries(properties).map(([name, property]) => {
    const description =
      typeof property['description'] === 'string' ? ` — ${escapeHtml(property['description'])}` : '';
    const flag = required.has(name) ? '' : ' <em>optional</em>';
    return `<li><code>${escapeHtml(name)}</code>: ${escapeHtml(describeType(property))}${flag}${description}${renderSchema(property, depth + 1)}</li>`;
  });
  return `<ul>${rows.join('')}</ul>`;
}

function renderOperation(
  method: string,
  path: string,
  operation: Json,
  resolve: (value: Json) => Json,
): string {
  const parameters = ((operation['parameters'] as Json[] | undefined) ?? []).map(resolve);
  const params = parameters
    .map((p) => {
      const schema = (p['schema'] as Json | undefined) ?? {};
      return `<li><code>${escapeHtml(String(p['name']))}</code> (${escapeHtml(String(p['in']))}): ${escapeHtml(describeType(schema))}${p['required'] ? '' : ' <em>optional</em>'}</li>`;
    })
    .join('');
  const body = ((operation['requestBody'] as Json | undefined)?.['content'] as Json | undefined)?.[
    'application/json'
  ] as Json | undefined;
  const responses = Object.entries((operation['responses'] as Record<string, Json> | undefined) ?? {})
    .map(([status, referenced]) => {
      const response = resolve(referenced);
      const schema = ((response['content'] as Json | undefined)?.['application/json'] as Json | undefined)?.[
        'schema'
      ] as Json | undefined;
      return `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(String(response['description'] ?? ''))}${renderSchema(schema)}</li>`;
    })
    .join('');
  const description = String(operation['description'] ?? '')
    .split('\n\n')
    .map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
    .join('');
  return `<section class="op"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p class="summary">${escapeHtml(String(operation['summary'] ?? ''))}</p>${description}
${params === '' ? '' : `<h4>Parameters</h4><ul>${params}</ul>`}
${body === undefined ? '' : `<h4>Request body</h4>${renderSchema(body['schema'] as Json | undefined)}`}
${responses === '' ? '' : `<h4>Responses</h4><ul>${responses}</ul>`}</section>`;
}

export function renderDocsPage(document: Json): string {
  const info = (document['info'] as Json | undefined) ?? {};
  const paths = (document['paths'] as Record<string, Record<string, Json>> | undefined) ?? {};
  const byTag = new Map<string, string[]>();
  // `#/components/…` references (shared parameters and responses) are shown as what they name.
  const resolve = (value: Json): Json => resolveRef(document, value);
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const tag = ((operation['tags'] as string[] | undefined) ?? ['other'])[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(method, path, operation, resolve)]);
    }
  }
  const sections = [...byTag.entries()].map(
    ([tag, ops]) => `<h2 id="tag-${escapeHtml(tag)}">${escapeHtml(tag)}</h2>${ops.join('')}`,
  );
  const errors = Object.entries(statusByCode)
    .map(([code, status]) => `<tr id="error-${code}"><td><code>${code}</code></td><td>${status}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(String(info['title'] ?? 'API'))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code{font:13px ui-monospace,monospace;background:#f3f4f6;padding:0 .25rem;border-radius:3px}
.op{border:1px solid #e5e7eb;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}.m{font:bold 12px monospace;padding:.1rem .4rem;border-radius:3px;color:#fff}
.get{background:#2563eb}.post{background:#059669}.delete{background:#dc2626}.summary{font-weight:600}
table{border-collapse:collapse}td{border-bottom:1px solid #e5e7eb;padding:.2rem 1rem .2rem 0}</style></head><body>
<h1>${escapeHtml(String(info['title'] ?? 'API'))} <small>${escapeHtml(String(info['version'] ?? ''))}</small></h1>
<p>${escapeHtml(String(info['description'] ?? ''))}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Authenticate with <code>Authorization: Bearer &lt;key&gt;</code>.
Lists take <code>limit</code> and <code>starting_after</code> and answer <code>{"object":"list","data":[…],"has_more":…}</code>.
Send <code>Idempotency-Key</code> with any POST to make retries safe.</p>
${sections.join('\n')}
<h2 id="errors">Errors</h2><p>Every error is <code>application/problem+json</code> (RFC 9457) with <code>code</code>, <code>detail</code>, <code>request_id</code> and, for a bad field, <code>param</code>.</p>
<table><tr><th>code</th><th>HTTP status</th></tr>${errors}</table></body></html>`;
}
