import { DEFAULT_EVENT_TYPES, EVENT_TYPES, PROVIDER_NAMES } from '../../../core/types.ts';
import { field, fields } from '../context.ts';
import type { Problem } from '../api.ts';

type Form = Record<string, string | string[]>;

/** What the endpoint form shows: the stored subscription, or what was just submitted. */
export interface EndpointValues {
  url: string;
  description: string;
  events: string[];
  providers: string[];
  /** One `key=value` per line. */
  metadata: string;
}

/** Field errors by form field, from the API's problem (paths like `filter.metadata.customerId`). */
export type FieldErrors = Partial<Record<'url' | 'description' | 'events' | 'providers' | 'metadata', string[]>>;

export function valuesOfSubscription(s: any | null): EndpointValues {
  const metadata = (s?.filter?.metadata ?? {}) as Record<string, unknown>;
  return {
    url: s?.url ?? '',
    description: s?.description ?? '',
    events: s?.events ?? [...DEFAULT_EVENT_TYPES],
    providers: s?.filter?.providers ?? [],
    metadata: Object.entries(metadata)
      .map(([k, v]) => `${k}=${showValue(v)}`)
      .join('\n'),
  };
}

export function valuesOfForm(form: Form): EndpointValues {
  return {
    url: field(form, 'url'),
    description: field(form, 'description'),
    events: fields(form, 'events'),
    providers: fields(form, 'providers'),
    metadata: field(form, 'metadata'),
  };
}

/** A string that would read as a number or boolean is quoted, so it stays a string when saved. */
function showValue(v: unknown): string {
  if (typeof v !== 'string') return String(v);
  return /^(true|false|-?\d+(\.\d+)?)$/.test(v) || v.startsWith('"') ? JSON.stringify(v) : v;
}

function parseValue(raw: string): string | number | boolean {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (/^".*"$/.test(raw)) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * The API's `filter` from the form: null when neither providers nor metadata is given (no
 * filter). A metadata line without `=` is an error of the form itself, under the field.
 */
export function filterOfForm(v: EndpointValues): { filter: Record<string, unknown> | null; errors: FieldErrors } {
  const metadata: Record<string, string | number | boolean> = {};
  const bad: string[] = [];
  v.metadata.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const at = line.indexOf('=');
    if (at < 1) return void bad.push(`line ${i + 1}: write key=value`);
    metadata[line.slice(0, at).trim()] = parseValue(line.slice(at + 1).trim());
  });
  if (bad.length > 0) return { filter: null, errors: { metadata: bad } };
  const filter: Record<string, unknown> = {};
  if (v.providers.length > 0) filter.providers = v.providers;
  if (Object.keys(metadata).length > 0) filter.metadata = metadata;
  return { filter: Object.keys(filter).length > 0 ? filter : null, errors: {} };
}

/** The problem's field errors, each under its form field; the rest stays in the page's message. */
export function fieldErrorsOf(p: Problem | null | undefined): { byField: FieldErrors; rest: Problem } {
  const byField: FieldErrors = {};
  const rest: { path: string; message: string }[] = [];
  for (const e of p?.errors ?? []) {
    const path = e.path ?? '';
    const name = path.startsWith('filter.metadata')
      ? 'metadata'
      : path.startsWith('filter.providers')
        ? 'providers'
        : path === 'filter'
          ? 'metadata'
          : (['url', 'description', 'events'] as const).find((f) => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`));
    if (!name) {
      rest.push(e);
      continue;
    }
    const key = path.startsWith('filter.metadata.') ? `${path.slice('filter.metadata.'.length)}: ` : '';
    (byField[name] ??= []).push(`${key}${e.message}`);
  }
  return { byField, rest: { ...p, errors: rest } };
}

function Errors({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages || messages.length === 0) return null;
  return (
    <p class="field-error" id={id} data-field-error>
      {messages.join(' · ')}
    </p>
  );
}

const describedBy = (id: string, errors: string[] | undefined, help?: string) =>
  [help, errors && errors.length > 0 ? id : undefined].filter(Boolean).join(' ') || undefined;

/** The endpoint's fields; `prefix` keeps ids unique when a page has two forms. */
export function EndpointFields({ v, errors = {}, prefix = 'e' }: { v: EndpointValues; errors?: FieldErrors; prefix?: string }) {
  const id = (name: string) => `${prefix}-${name}`;
  return (
    <div>
      <div class="field">
        <label for={id('url')}>URL</label>
        <input id={id('url')} name="url" type="url" required size={60} value={v.url} aria-invalid={errors.url ? 'true' : undefined} aria-describedby={describedBy(id('url-error'), errors.url)} />
        <Errors id={id('url-error')} messages={errors.url} />
      </div>
      <div class="field">
        <label for={id('description')}>Description</label>
        <input id={id('description')} name="description" size={60} value={v.description} aria-invalid={errors.description ? 'true' : undefined} aria-describedby={describedBy(id('description-error'), errors.description)} />
        <Errors id={id('description-error')} messages={errors.description} />
      </div>
      <fieldset class="field" aria-describedby={describedBy(id('events-error'), errors.events)}>
        <legend>Event types</legend>
        {EVENT_TYPES.map((t) => (
          <label>
            <input type="checkbox" name="events" value={t} checked={v.events.includes(t)} /> {t}
          </label>
        ))}
        <Errors id={id('events-error')} messages={errors.events} />
      </fieldset>
      <fieldset class="field" aria-describedby={describedBy(id('providers-error'), errors.providers, id('providers-help'))}>
        <legend>Filter: providers</legend>
        <p class="muted" id={id('providers-help')}>
          Only events of jobs of the checked providers; none checked: every provider.
        </p>
        {PROVIDER_NAMES.map((p) => (
          <label>
            <input type="checkbox" name="providers" value={p} checked={v.providers.includes(p)} /> {p}
          </label>
        ))}
        <Errors id={id('providers-error')} messages={errors.providers} />
      </fieldset>
      <div class="field">
        <label for={id('metadata')}>Filter: job metadata</label>
        <p class="muted" id={id('metadata-help')}>
          One <code>key=value</code> per line: only jobs whose metadata has each key with exactly that value (<code>42</code> and{' '}
          <code>true</code> are a number and a boolean; quote them, <code>"42"</code>, for text). Empty: every job.
        </p>
        <textarea
          id={id('metadata')}
          name="metadata"
          rows={3}
          cols={50}
          aria-invalid={errors.metadata ? 'true' : undefined}
          aria-describedby={describedBy(id('metadata-error'), errors.metadata, id('metadata-help'))}
        >
          {v.metadata}
        </textarea>
        <Errors id={id('metadata-error')} messages={errors.metadata} />
      </div>
    </div>
  );
}
