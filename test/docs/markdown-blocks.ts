/**
 * The code blocks of a markdown file, as CommonMark reads them: fenced blocks
 * (``` or ~~~, with their info string) and indented blocks (4 spaces, or 4
 * past a list item's content column), each with the `docs-test` marker on the
 * line before it. Not a full markdown parser: it knows just enough of lists,
 * paragraphs and HTML comments to tell an indented code block from a
 * continuation line.
 */

/** A `<!-- docs-test: … -->` comment, as written. */
export interface Marker {
  /** What follows `docs-test:`, trimmed. */
  readonly body: string;
  readonly line: number;
}

/** One code block of a markdown file. */
export interface CodeBlock {
  /** Path relative to the repository root, as shown in messages. */
  readonly file: string;
  /** 1-based line of the opening fence, or of an indented block's first line. */
  readonly line: number;
  readonly style: 'fenced' | 'indented';
  /** The info string's first word, lower-cased; '' for none (and for indented blocks). */
  readonly lang: string;
  /** The content, without the fences and the block's indentation, ending with a newline. */
  readonly text: string;
  readonly marker?: Marker;
}

/** What the file gets wrong about blocks and markers, each naming file:line. */
export interface ExtractResult {
  readonly blocks: CodeBlock[];
  readonly problems: string[];
}

const markerPattern = /^<!--\s*docs-test:(.*?)-->$/;
const listItemPattern = /^(\s*)([-*+]|\d{1,9}[.)])( +|$)/;

/** Columns of leading whitespace, a tab counting to the next multiple of 4. */
function indentOf(line: string): number {
  let col = 0;
  for (const ch of line) {
    if (ch === ' ') col += 1;
    else if (ch === '\t') col += 4 - (col % 4);
    else break;
  }
  return col;
}

/** `line` without its first `cols` columns of indentation. */
function dedent(line: string, cols: number): string {
  let col = 0;
  let i = 0;
  while (i < line.length && col < cols && (line[i] === ' ' || line[i] === '\t')) {
    col += line[i] === '\t' ? 4 - (col % 4) : 1;
    i += 1;
  }
  return ' '.repeat(Math.max(0, col - cols)) + line.slice(i);
}

const isBlank = (line: string): boolean => line.trim() === '';

/** Every code block of `text` (the content of `file`), and what is wrong with its markers. */
export function extractBlocks(file: string, text: string): ExtractResult {
  const lines = text.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  const problems: string[] = [];
  let marker: Marker | undefined;
  let listIndent: number | undefined; // content column of the list item we are in
  let inParagraph = false;
  let prevBlank = true;

  const take = (): Marker | undefined => {
    const m = marker;
    marker = undefined;
    return m;
  };
  const strayMarker = (): void => {
    if (marker) problems.push(`${file}:${marker.line}: a docs-test marker must be on the line before a code block; nothing but blank lines may come between`);
    marker = undefined;
  };

  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (isBlank(line)) {
      prevBlank = true;
      inParagraph = false;
      continue;
    }
    const indent = indentOf(line);
    const marked = listItemPattern.exec(line);
    // Inside a paragraph only a bullet or `1.` starts a list item (CommonMark); `7654. The …` continues the text.
    const item = marked && (!inParagraph || !/^\d/.test(marked[2]!) || /^1[.)]$/.test(marked[2]!)) ? marked : null;
    if (listIndent !== undefined && prevBlank && indent < listIndent && !item) listIndent = undefined;
    const base = listIndent ?? 0;
    const rel = indent - base;

    const fence = rel <= 3 ? /^\s*(`{3,}|~{3,})(.*)$/.exec(line) : null;
    if (fence && !(fence[1]!.startsWith('`') && fence[2]!.includes('`'))) {
      const open = fence[1]!;
      const close = new RegExp(`^\\s{0,${base + 3}}${open[0] === '`' ? '`' : '~'}{${open.length},}\\s*$`);
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length && !close.test(lines[j] ?? ''); j += 1) body.push(dedent(lines[j] ?? '', indent));
      if (j >= lines.length) problems.push(`${file}:${i + 1}: this ${open} fence is never closed`);
      const lang = (fence[2] ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      blocks.push({ file, line: i + 1, style: 'fenced', lang, text: body.length ? `${body.join('\n')}\n` : '', marker: take() });
      i = j;
      prevBlank = true; // a fence ends its block: what follows starts afresh
      inParagraph = false;
      continue;
    }

    if (rel >= 4 && !inParagraph) {
      const body: string[] = [];
      let j = i;
      for (; j < lines.length && (isBlank(lines[j] ?? '') || indentOf(lines[j] ?? '') >= base + 4); j += 1) body.push(dedent(lines[j] ?? '', base + 4));
      for (; body.length > 0 && isBlank(body[body.length - 1] ?? ''); j -= 1) body.pop();
      blocks.push({ file, line: i + 1, style: 'indented', lang: '', text: `${body.join('\n')}\n`, marker: take() });
      i = j - 1;
      prevBlank = false;
      inParagraph = false;
      continue;
    }

    const trimmed = line.trim();
    if (trimmed.startsWith('<!--')) {
      const m = markerPattern.exec(trimmed);
      if (m) {
        strayMarker();
        marker = { body: (m[1] ?? '').trim(), line: i + 1 };
      } else if (/<!--\s*docs-test\b/.test(trimmed)) {
        problems.push(`${file}:${i + 1}: a docs-test marker is one line, \`<!-- docs-test: … -->\`; this one is not`);
      }
      while (!(lines[i] ?? '').includes('-->') && i + 1 < lines.length) i += 1; // the rest of a multi-line comment
      prevBlank = false;
      inParagraph = false;
      continue;
    }

    strayMarker();
    if (item) {
      const spaces = item[3]!.length;
      listIndent = indentOf(item[1]!) + item[2]!.length + (spaces === 0 || spaces > 4 ? 1 : spaces);
    }
    // A heading ends its line; anything else is (or continues) a paragraph an indented line cannot interrupt.
    inParagraph = !/^ {0,3}#{1,6}(\s|$)/.test(line);
    prevBlank = false;
  }
  strayMarker();
  return { blocks, problems };
}
