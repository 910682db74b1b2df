/**
 * readBytes over HTTP with a stubbed global fetch: a 404/410 or a server's HTML fallback page
 * (the dev server's answer for a missing file) is an InputNotFoundError saying "not found" and
 * what to do, never a parse error; other statuses and network failures are VoxbookErrors
 * naming what happened. Also the sample loader's fallback to the phantom on such answers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FormatError, InputNotFoundError, VoxbookError } from '../../cells/core/errors.ts';
import { exists, isSampleCacheUrl, looksLikeHtml, readBytes } from '../../cells/io/bytes.ts';
import { loadVolume } from '../../cells/io/load.ts';
import { setDataBaseUrl } from '../../datasets/cache.ts';

const ORIGIN = 'http://127.0.0.1:5173';
const SAMPLE = `${ORIGIN}/data/Cranium.inv3`;
const OTHER = 'https://example.org/scans/head.nii.gz';
const PAGE = '<!doctype html>\n<html lang="en"><head><title>Voxbook</title></head><body></body></html>\n';

function stubFetch(answer: (url: string, init?: RequestInit) => Response | Promise<Response>): ReturnType<typeof vi.fn> {
  const f = vi.fn(async (input: string | URL | Request, init?: RequestInit) => answer(String(input), init));
  vi.stubGlobal('fetch', f);
  return f;
}

async function thrown(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => setDataBaseUrl(`${ORIGIN}/data/`));
afterEach(() => {
  vi.unstubAllGlobals();
  setDataBaseUrl('/data/');
});

describe('readBytes over HTTP', () => {
  it('404 for a sample-cache URL: InputNotFoundError "<url>: not found (HTTP 404) — run `npm run fetch-data`"', async () => {
    stubFetch(() => new Response('nope', { status: 404, statusText: 'Not Found' }));
    const e = await thrown(readBytes(SAMPLE));
    expect(e).toBeInstanceOf(InputNotFoundError);
    expect(e).not.toBeInstanceOf(FormatError);
    expect((e as InputNotFoundError).path).toBe(SAMPLE);
    expect((e as InputNotFoundError).code).toBe('input-not-found');
    expect(e.message).toBe(`${SAMPLE}: not found (HTTP 404) — run \`npm run fetch-data\``);
  });

  it('410 elsewhere: InputNotFoundError with a generic hint', async () => {
    stubFetch(() => new Response('', { status: 410 }));
    const e = await thrown(readBytes(OTHER));
    expect(e).toBeInstanceOf(InputNotFoundError);
    expect(e.message).toBe(`${OTHER}: not found (HTTP 410) — check the URL`);
  });

  it('500: a VoxbookError (code io) naming the status, not "not found"', async () => {
    stubFetch(() => new Response('boom', { status: 500, statusText: 'Internal Server Error' }));
    const e = await thrown(readBytes(SAMPLE));
    expect(e).toBeInstanceOf(VoxbookError);
    expect(e).not.toBeInstanceOf(InputNotFoundError);
    expect((e as VoxbookError).code).toBe('io');
    expect(e.message).toBe(`${SAMPLE}: the server answered HTTP 500 Internal Server Error`);
  });

  it('a 200 HTML page (Content-Type text/html) for a binary file: not found, not a parse error', async () => {
    stubFetch(() => new Response(PAGE, { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' } }));
    const e = await thrown(readBytes(SAMPLE));
    expect(e).toBeInstanceOf(InputNotFoundError);
    expect((e as InputNotFoundError).path).toBe(SAMPLE);
    expect(e.message).toBe(`${SAMPLE}: not found (HTTP 200 with an HTML page instead of the file) — run \`npm run fetch-data\``);
  });

  it('a 200 HTML page without an HTML Content-Type is recognised by its first bytes', async () => {
    stubFetch(() => new Response(`\uFEFF  \n${PAGE.toUpperCase()}`, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } }));
    const e = await thrown(readBytes(OTHER));
    expect(e).toBeInstanceOf(InputNotFoundError);
    expect(e.message).toMatch(/^https:\/\/example\.org\/scans\/head\.nii\.gz: not found \(HTTP 200 with an HTML page instead of the file\) — check the URL$/);
    stubFetch(() => new Response('<html><body>x</body></html>', { status: 200 }));
    expect(await thrown(readBytes(OTHER))).toBeInstanceOf(InputNotFoundError);
  });

  it('an HTML file asked for by name is returned as is', async () => {
    stubFetch(() => new Response(PAGE, { status: 200, headers: { 'Content-Type': 'text/html' } }));
    const bytes = await readBytes(`${ORIGIN}/docs/page.html`);
    expect(new TextDecoder().decode(bytes)).toBe(PAGE);
  });

  it('a 200 binary answer is returned byte for byte', async () => {
    const data = new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 0xff]);
    stubFetch(() => new Response(data, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } }));
    expect([...(await readBytes(SAMPLE))]).toEqual([...data]);
  });

  it('a network error: a VoxbookError (code io) saying the fetch failed', async () => {
    stubFetch(() => {
      throw new TypeError('fetch failed');
    });
    const e = await thrown(readBytes(SAMPLE));
    expect(e).toBeInstanceOf(VoxbookError);
    expect(e).not.toBeInstanceOf(InputNotFoundError);
    expect((e as VoxbookError).code).toBe('io');
    expect(e.message).toBe(`${SAMPLE}: could not fetch (TypeError: fetch failed)`);
  });

  it('loadVolume on an HTML fallback for an .inv3 says not found (the bug: "not a tar archive … checksum NaN")', async () => {
    stubFetch(() => new Response(PAGE, { status: 200, headers: { 'Content-Type': 'text/html' } }));
    const e = await thrown(loadVolume(SAMPLE));
    expect(e).toBeInstanceOf(InputNotFoundError);
    expect(e.message).not.toMatch(/tar|checksum/);
    expect(e.message).toContain('npm run fetch-data');
  });

  it('exists(): an HTML fallback page for a binary URL does not count', async () => {
    stubFetch(() => new Response(null, { status: 200, headers: { 'Content-Type': 'text/html' } }));
    expect(await exists(SAMPLE)).toBe(false);
    stubFetch(() => new Response(null, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } }));
    expect(await exists(SAMPLE)).toBe(true);
    stubFetch(() => new Response(null, { status: 404 }));
    expect(await exists(SAMPLE)).toBe(false);
  });

  it('sample-cache URLs: under the data base URL, same origin only', () => {
    expect(isSampleCacheUrl(SAMPLE)).toBe(true);
    expect(isSampleCacheUrl(`${ORIGIN}/data/mri-colin27/ch2.nii.gz`)).toBe(true);
    expect(isSampleCacheUrl(`${ORIGIN}/database/x`)).toBe(false);
    expect(isSampleCacheUrl('http://other.example/data/Cranium.inv3')).toBe(false);
    expect(isSampleCacheUrl(OTHER)).toBe(false);
  });

  it('looksLikeHtml: doctype or <html> at the start only', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(looksLikeHtml(enc('<!DOCTYPE html><html>'))).toBe(true);
    expect(looksLikeHtml(enc('\r\n\t<html>'))).toBe(true);
    expect(looksLikeHtml(enc('x<html>'))).toBe(false);
    expect(looksLikeHtml(new Uint8Array([0x1f, 0x8b, 8]))).toBe(false);
    expect(looksLikeHtml(new Uint8Array())).toBe(false);
  });
});
