//! Page layout: fonts, text measuring and wrapping, and a composer that
//! flows headings, paragraphs, tables and charts down A4 pages.
//!
//! Layout and drawing are two passes. The composer only records what goes
//! where ([`Op`]s per page); the pages are drawn once all are laid out,
//! because every footer says "page N of M" and M is known only then.

use std::sync::Arc;

use krilla::text::Font;
use rustybuzz::{Face, UnicodeBuffer};

use super::PdfError;

/// DejaVu Sans, regular. The fonts are shipped in the crate (`fonts/`,
/// licence in `fonts/LICENSE-DejaVu.txt`: Bitstream Vera licence, DejaVu
/// changes public domain) so that the PDF looks the same on every machine
/// and needs no font installed where it is made.
pub(crate) static REGULAR_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold (same source and licence as [`REGULAR_TTF`]).
pub(crate) static BOLD_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");
/// The family name inside those files, which the charts' SVG text resolves
/// to.
pub(crate) const FAMILY: &str = "DejaVu Sans";

/// A4 portrait, in PDF points.
pub(crate) const PAGE_W: f32 = 595.0;
/// A4 portrait height, in PDF points.
pub(crate) const PAGE_H: f32 = 842.0;
/// Left margin (the right one is the same).
pub(crate) const LEFT: f32 = 50.0;
/// Width between the margins.
pub(crate) const CONTENT_W: f32 = PAGE_W - 2.0 * LEFT;
/// Where the body starts on every page.
const TOP: f32 = 56.0;
/// Where the body must end, leaving room for the footer.
const BOTTOM: f32 = PAGE_H - 64.0;
/// The footer's baseline.
const FOOTER_BASELINE: f32 = PAGE_H - 34.0;

/// A colour, 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

/// Body text.
pub(crate) const INK: Rgb = Rgb(0x1f, 0x23, 0x28);
/// Secondary text: labels, notes, the footer.
pub(crate) const MUTED: Rgb = Rgb(0x5f, 0x66, 0x6d);
/// Rules between table rows.
const HAIRLINE: Rgb = Rgb(0xd0, 0xd4, 0xd9);
/// Table header background.
const HEADER_BG: Rgb = Rgb(0xec, 0xef, 0xf2);
/// Headings' accent.
pub(crate) const ACCENT: Rgb = Rgb(0x1d, 0x4e, 0x89);

/// The two faces, as krilla fonts (for drawing) and as shaper faces (for
/// measuring the same glyph advances krilla will use).
pub(crate) struct Fonts {
    regular: Font,
    bold: Font,
    regular_face: Face<'static>,
    bold_face: Face<'static>,
}

impl Fonts {
    /// Loads the embedded fonts.
    pub(crate) fn load() -> Result<Self, PdfError> {
        let bad = |what: &str| PdfError::Font(format!("embedded {what} font cannot be read"));
        Ok(Self {
            regular: Font::new(REGULAR_TTF.into(), 0).ok_or_else(|| bad("regular"))?,
            bold: Font::new(BOLD_TTF.into(), 0).ok_or_else(|| bad("bold"))?,
            regular_face: Face::from_slice(REGULAR_TTF, 0).ok_or_else(|| bad("regular"))?,
            bold_face: Face::from_slice(BOLD_TTF, 0).ok_or_else(|| bad("bold"))?,
        })
    }

    /// The krilla font for a weight.
    pub(crate) fn font(&self, bold: bool) -> Font {
        if bold {
            self.bold.clone()
        } else {
            self.regular.clone()
        }
    }

    /// The advance width of `text` set on one line, in points. Shaped the
    /// way krilla's `draw_text` shapes it (kerning included), so a
    /// right-aligned number ends exactly at its column edge.
    pub(crate) fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = if bold {
            &self.bold_face
        } else {
            &self.regular_face
        };
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(face, &[], buffer);
        let units: i64 = shaped
            .glyph_positions()
            .iter()
            .map(|p| i64::from(p.x_advance))
            .sum();
        units as f32 * size / face.units_per_em() as f32
    }

    /// `text` broken into lines no wider than `max_width`: at spaces where
    /// possible, inside a word only when the word alone is too wide (a long
    /// function name or URL must not run off the page). Line breaks in the
    /// text are kept. Always at least one line.
    pub(crate) fn wrap(&self, text: &str, size: f32, bold: bool, max_width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size, bold) <= max_width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // The word starts a line; cut it while it is too wide.
                let mut rest = word;
                while self.width(rest, size, bold) > max_width {
                    let cut = self.longest_prefix(rest, size, bold, max_width);
                    lines.push(rest[..cut].to_owned());
                    rest = &rest[cut..];
                }
                line = rest.to_owned();
            }
            lines.push(line);
        }
        lines
    }

    /// Byte length of the longest prefix of `word` (at least one
    /// character) that fits in `max_width`.
    fn longest_prefix(&self, word: &str, size: f32, bold: bool, max_width: f32) -> usize {
        let mut best = word.chars().next().map_or(word.len(), char::len_utf8);
        for (i, _) in word.char_indices().skip(2) {
            if self.width(&word[..i], size, bold) > max_width {
                break;
            }
            best = i;
        }
        best
    }

    /// `text` shortened with an ellipsis until it fits `max_width`.
    pub(crate) fn truncate(&self, text: &str, size: f32, bold: bool, max_width: f32) -> String {
        if self.width(text, size, bold) <= max_width {
            return text.to_owned();
        }
        let mut chars: Vec<char> = text.chars().collect();
        while !chars.is_empty() {
            chars.pop();
            let candidate: String = chars.iter().collect::<String>() + "…";
            if self.width(&candidate, size, bold) <= max_width {
                return candidate;
            }
        }
        "…".to_owned()
    }
}

/// One thing to draw on a page. Coordinates are PDF points from the top
/// left corner (krilla's convention); a text's `y` is its baseline.
pub(crate) enum Op {
    /// A line of text.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    /// A straight line.
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
    },
    /// A filled rectangle.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// A chart, drawn as vectors (and real text) from its SVG.
    Svg {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        tree: Box<usvg::Tree>,
    },
}

/// A text style: size, weight, colour. Line height follows from the size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub size: f32,
    pub bold: bool,
    pub color: Rgb,
}

impl Style {
    /// Body text.
    pub(crate) const BODY: Style = Style {
        size: 9.5,
        bold: false,
        color: INK,
    };
    /// Smaller, grey text.
    pub(crate) const NOTE: Style = Style {
        size: 8.0,
        bold: false,
        color: MUTED,
    };

    /// Distance between baselines.
    fn leading(self) -> f32 {
        self.size * 1.38
    }
}

/// How a column's cells sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Text: left, wrapped onto more lines when too long.
    Left,
    /// Figures: right, on one line (the size shrinks when a figure would
    /// not fit, so digits are never split across lines).
    Right,
}

/// A table column.
pub(crate) struct Column {
    pub title: &'static str,
    pub width: f32,
    pub align: Align,
}

/// A table row: one text per column, optionally a note set under the
/// cells across the whole row, optionally bold (a total).
pub(crate) struct Row {
    pub cells: Vec<String>,
    pub note: Option<String>,
    pub bold: bool,
}

impl Row {
    /// A plain row.
    pub(crate) fn new(cells: Vec<String>) -> Self {
        Self {
            cells,
            note: None,
            bold: false,
        }
    }
}

/// A table; it continues on the next page when it does not fit, with its
/// header row repeated.
pub(crate) struct Table {
    /// What the table is, repeated as "… (continued)" above its header on
    /// each following page.
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub size: f32,
}

/// The "(continued)" line above a table's header on its next pages.
const CONTINUED_H: f32 = 8.0 * 1.38 + 2.0;

/// Horizontal padding inside a cell.
const PAD_X: f32 = 4.0;
/// Vertical padding inside a cell.
const PAD_Y: f32 = 3.0;

/// Records pages of [`Op`]s, keeping track of the free space on the
/// current page.
pub(crate) struct Composer<'f> {
    pub fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'f> Composer<'f> {
    /// A composer with one empty page.
    pub(crate) fn new(fonts: &'f Fonts) -> Self {
        Self {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// The pages laid out so far.
    pub(crate) fn finish(self) -> Vec<Vec<Op>> {
        self.pages
    }

    /// Whether nothing has been placed on the current page yet.
    fn fresh(&self) -> bool {
        self.pages.last().is_none_or(Vec::is_empty)
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// Starts a new page, unless the current one is still empty.
    pub(crate) fn page_break(&mut self) {
        if !self.fresh() {
            self.pages.push(Vec::new());
        }
        self.y = TOP;
    }

    /// Makes sure `height` points fit below the current position, breaking
    /// the page if not. Something taller than a whole page is placed at
    /// the top of a fresh page (callers keep their blocks smaller).
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.page_break();
        }
    }

    /// Vertical space, dropped at the top of a page.
    pub(crate) fn gap(&mut self, height: f32) {
        if !self.fresh() {
            self.y += height;
        }
    }

    /// One line of text at `x` with its top at the current position; does
    /// not move down.
    fn text_line(&mut self, x: f32, top: f32, style: Style, text: String) {
        self.push(Op::Text {
            x,
            y: top + style.size,
            size: style.size,
            bold: style.bold,
            color: style.color,
            text,
        });
    }

    /// The document title block: the title and lines under it.
    pub(crate) fn title(&mut self, title: &str) {
        let style = Style {
            size: 26.0,
            bold: true,
            color: ACCENT,
        };
        self.text_line(LEFT, self.y, style, title.to_owned());
        self.y += style.size * 1.5;
    }

    /// A section heading, kept on the same page as the first
    /// `keep_with_next` points of what follows it.
    pub(crate) fn heading(&mut self, text: &str, keep_with_next: f32) {
        let style = Style {
            size: 13.0,
            bold: true,
            color: ACCENT,
        };
        self.gap(14.0);
        self.ensure(style.leading() + 6.0 + keep_with_next);
        self.text_line(LEFT, self.y, style, text.to_owned());
        self.y += style.leading();
        self.push(Op::Rule {
            x1: LEFT,
            y1: self.y,
            x2: LEFT + CONTENT_W,
            y2: self.y,
            width: 0.6,
            color: ACCENT,
        });
        self.y += 6.0;
    }

    /// A paragraph wrapped to the content width, indented by `indent`;
    /// it breaks across pages between lines.
    pub(crate) fn paragraph(&mut self, text: &str, style: Style, indent: f32) {
        let lines = self
            .fonts
            .wrap(text, style.size, style.bold, CONTENT_W - indent);
        for line in lines {
            self.ensure(style.leading());
            self.text_line(LEFT + indent, self.y, style, line);
            self.y += style.leading();
        }
    }

    /// A bulleted item: a bold lead and a wrapped text, hanging under the
    /// lead.
    pub(crate) fn bullet(&mut self, lead: &str, text: &str) {
        let lead_style = Style {
            bold: true,
            ..Style::BODY
        };
        self.ensure(lead_style.leading() * 2.0);
        self.text_line(LEFT, self.y, Style::BODY, "•".to_owned());
        self.paragraph(lead, lead_style, 12.0);
        if !text.is_empty() {
            self.paragraph(text, Style::BODY, 12.0);
        }
        self.y += 3.0;
    }

    /// Label–value pairs: the label left, the value right-aligned at a
    /// common edge, a unit after it.
    pub(crate) fn figures(&mut self, rows: &[(&str, String, &str)]) {
        let label = Style {
            size: 10.5,
            ..Style::BODY
        };
        let value = Style {
            size: 12.0,
            bold: true,
            color: INK,
        };
        let value_edge = LEFT + 360.0;
        for (name, figure, unit) in rows {
            let leading = value.leading() + 4.0;
            self.ensure(leading);
            let top = self.y;
            self.text_line(LEFT, top + 1.2, label, (*name).to_owned());
            let width = self.fonts.width(figure, value.size, true);
            self.text_line(value_edge - width, top, value, figure.clone());
            self.text_line(value_edge + 8.0, top + 2.0, Style::NOTE, (*unit).to_owned());
            self.y += leading;
            self.push(Op::Rule {
                x1: LEFT,
                y1: self.y - 3.0,
                x2: LEFT + CONTENT_W,
                y2: self.y - 3.0,
                width: 0.4,
                color: HAIRLINE,
            });
        }
    }

    /// A chart of `w`×`h` points at the left margin.
    pub(crate) fn chart(&mut self, tree: usvg::Tree, w: f32, h: f32) {
        self.ensure(h);
        self.push(Op::Svg {
            x: LEFT,
            y: self.y,
            w,
            h,
            tree: Box::new(tree),
        });
        self.y += h;
    }

    /// A table, continued on following pages (header repeated) when it
    /// does not fit.
    pub(crate) fn table(&mut self, table: &Table) {
        let header = self.layout_header(table);
        let mut header_on_page = false;
        for row in &table.rows {
            let laid = self.layout_row(table, row, header.height);
            if !header_on_page {
                self.ensure(header.height + laid.height);
            } else if self.y + laid.height > BOTTOM {
                self.page_break();
                header_on_page = false;
                let note = Style::NOTE;
                self.text_line(LEFT, self.y, note, format!("{} (continued)", table.name));
                self.y += CONTINUED_H;
            }
            if !header_on_page {
                self.draw_row(table, &header);
                header_on_page = true;
            }
            self.draw_row(table, &laid);
        }
    }

    /// The size to set `text` in a column `avail` wide: a word wider
    /// than the column (an account id, "Adjustment" in a narrow header) is
    /// set smaller, down to 80 %, before it has to be cut.
    fn word_fit(&self, text: &str, size: f32, bold: bool, avail: f32) -> f32 {
        let widest = text
            .split_whitespace()
            .map(|w| self.fonts.width(w, size, bold))
            .fold(0.0, f32::max);
        if widest > avail {
            size * (avail / widest).max(0.8)
        } else {
            size
        }
    }

    fn layout_header(&self, table: &Table) -> LaidRow {
        let cells = table
            .columns
            .iter()
            .map(|c| {
                let avail = c.width - 2.0 * PAD_X;
                let size = self.word_fit(c.title, table.size, true, avail);
                LaidCell {
                    lines: self.fonts.wrap(c.title, size, true, avail),
                    size,
                }
            })
            .collect::<Vec<_>>();
        let lines = cells.iter().map(|c| c.lines.len()).max().unwrap_or(1);
        LaidRow {
            height: lines as f32 * table.size * 1.3 + 2.0 * PAD_Y,
            cells,
            note: Vec::new(),
            bold: true,
            header: true,
        }
    }

    /// Lays out a row's cells, cutting lines (with an ellipsis) if the row
    /// would not fit on an empty page under the header.
    fn layout_row(&self, table: &Table, row: &Row, header_height: f32) -> LaidRow {
        let leading = table.size * 1.3;
        let note_size = table.size - 1.0;
        let note_leading = note_size * 1.3;
        let max_height = BOTTOM - TOP - CONTINUED_H - header_height;
        let mut cells = Vec::with_capacity(table.columns.len());
        for (col, text) in table.columns.iter().zip(&row.cells) {
            let avail = col.width - 2.0 * PAD_X;
            let cell = match col.align {
                Align::Left => {
                    let size = self.word_fit(text, table.size, row.bold, avail);
                    LaidCell {
                        lines: self.fonts.wrap(text, size, row.bold, avail),
                        size,
                    }
                }
                Align::Right => {
                    let width = self.fonts.width(text, table.size, row.bold);
                    let size = if width > avail {
                        table.size * avail / width
                    } else {
                        table.size
                    };
                    LaidCell {
                        lines: vec![text.clone()],
                        size,
                    }
                }
            };
            cells.push(cell);
        }
        let mut note = match &row.note {
            Some(text) => self
                .fonts
                .wrap(text, note_size, false, CONTENT_W - 2.0 * PAD_X - 10.0),
            None => Vec::new(),
        };
        let max_lines = ((max_height - 2.0 * PAD_Y) / leading).floor().max(1.0) as usize;
        for cell in &mut cells {
            clip_lines(&mut cell.lines, max_lines);
        }
        let lines = cells.iter().map(|c| c.lines.len()).max().unwrap_or(1);
        let room_for_note = max_height - 2.0 * PAD_Y - lines as f32 * leading;
        clip_lines(
            &mut note,
            (room_for_note / note_leading).floor().max(0.0) as usize,
        );
        LaidRow {
            height: lines as f32 * leading + note.len() as f32 * note_leading + 2.0 * PAD_Y,
            cells,
            note,
            bold: row.bold,
            header: false,
        }
    }

    fn draw_row(&mut self, table: &Table, row: &LaidRow) {
        let top = self.y;
        let width: f32 = table.columns.iter().map(|c| c.width).sum();
        if row.header {
            self.push(Op::Fill {
                x: LEFT,
                y: top,
                w: width,
                h: row.height,
                color: HEADER_BG,
            });
        }
        if row.bold && !row.header {
            self.push(Op::Rule {
                x1: LEFT,
                y1: top,
                x2: LEFT + width,
                y2: top,
                width: 0.8,
                color: INK,
            });
        }
        let leading = table.size * 1.3;
        let mut x = LEFT;
        for (col, cell) in table.columns.iter().zip(&row.cells) {
            let style = Style {
                size: cell.size,
                bold: row.bold,
                color: if row.header { MUTED } else { INK },
            };
            for (i, line) in cell.lines.iter().enumerate() {
                let line_top = top + PAD_Y + i as f32 * leading + (table.size - cell.size);
                let lx = match col.align {
                    Align::Left => x + PAD_X,
                    Align::Right => {
                        x + col.width - PAD_X - self.fonts.width(line, cell.size, row.bold)
                    }
                };
                self.text_line(lx, line_top, style, line.clone());
            }
            x += col.width;
        }
        let lines = row.cells.iter().map(|c| c.lines.len()).max().unwrap_or(1);
        let note_style = Style {
            size: table.size - 1.0,
            ..Style::NOTE
        };
        for (i, line) in row.note.iter().enumerate() {
            let line_top = top + PAD_Y + lines as f32 * leading + i as f32 * note_style.size * 1.3;
            self.text_line(LEFT + PAD_X + 10.0, line_top, note_style, line.clone());
        }
        self.y = top + row.height;
        self.push(Op::Rule {
            x1: LEFT,
            y1: self.y,
            x2: LEFT + width,
            y2: self.y,
            width: if row.header { 0.8 } else { 0.4 },
            color: if row.header { MUTED } else { HAIRLINE },
        });
    }
}

/// Keeps at most `max` lines, marking a cut with an ellipsis.
fn clip_lines(lines: &mut Vec<String>, max: usize) {
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
}

/// A cell's lines and the size they are set in.
struct LaidCell {
    lines: Vec<String>,
    size: f32,
}

/// A row laid out: its height is known before it is placed.
struct LaidRow {
    height: f32,
    cells: Vec<LaidCell>,
    note: Vec<String>,
    bold: bool,
    header: bool,
}

/// Draws the laid-out pages with krilla, adding each page's footer, and
/// returns the PDF.
pub(crate) fn render(
    fonts: &Fonts,
    pages: &[Vec<Op>],
    footer: impl Fn(usize, usize) -> String,
    footer_size: f32,
    metadata: krilla::metadata::Metadata,
) -> Result<Vec<u8>, PdfError> {
    use krilla::geom::{PathBuilder, Point, Size, Transform};
    use krilla::num::NormalizedF32;
    use krilla::page::PageSettings;
    use krilla::paint::{Fill, FillRule, Stroke};
    use krilla::text::TextDirection;
    use krilla::Document;
    use krilla_svg::{SurfaceExt, SvgSettings};

    let paint = |c: Rgb| krilla::color::rgb::Color::new(c.0, c.1, c.2).into();
    let fill = |c: Rgb| Fill {
        paint: paint(c),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    };
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| PdfError::Layout("page size".to_owned()))?;

    let mut document = Document::new();
    document.set_metadata(metadata);
    let total = pages.len();
    for (index, ops) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let footer_op = {
            let size = footer_size;
            let text = fonts.truncate(&footer(index + 1, total), size, false, CONTENT_W);
            let width = fonts.width(&text, size, false);
            Op::Text {
                x: LEFT + (CONTENT_W - width) / 2.0,
                y: FOOTER_BASELINE,
                size,
                bold: false,
                color: MUTED,
                text,
            }
        };
        let footer_rule = Op::Rule {
            x1: LEFT,
            y1: FOOTER_BASELINE - 12.0,
            x2: LEFT + CONTENT_W,
            y2: FOOTER_BASELINE - 12.0,
            width: 0.4,
            color: HAIRLINE,
        };
        for op in ops.iter().chain([&footer_rule, &footer_op]) {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold,
                    color,
                    text,
                } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(fill(*color)));
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        fonts.font(*bold),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rule {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                    color,
                } => {
                    let mut builder = PathBuilder::new();
                    builder.move_to(*x1, *y1);
                    builder.line_to(*x2, *y2);
                    if let Some(path) = builder.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: paint(*color),
                            width: *width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Fill { x, y, w, h, color } => {
                    let mut builder = PathBuilder::new();
                    if let Some(rect) = krilla::geom::Rect::from_xywh(*x, *y, *w, *h) {
                        builder.push_rect(rect);
                    }
                    if let Some(path) = builder.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(fill(*color)));
                        surface.draw_path(&path);
                    }
                }
                Op::Svg { x, y, w, h, tree } => {
                    let size = Size::from_wh(*w, *h)
                        .ok_or_else(|| PdfError::Layout("chart size".to_owned()))?;
                    surface.push_transform(&Transform::from_translate(*x, *y));
                    let drawn = surface.draw_svg(tree, size, SvgSettings::default());
                    surface.pop();
                    drawn.ok_or_else(|| PdfError::Chart("chart cannot be drawn".to_owned()))?;
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Pdf(format!("{e:?}")))
}

/// The usvg options the charts are parsed with: our two fonts only (no
/// system fonts, so a chart looks the same everywhere), and plotters'
/// `sans-serif` family mapped to them. Without fonts in this database usvg
/// silently drops every `<text>` of the SVG.
pub(crate) fn svg_options() -> usvg::Options<'static> {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(REGULAR_TTF)));
    db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(BOLD_TTF)));
    db.set_sans_serif_family(FAMILY);
    usvg::Options {
        font_family: FAMILY.to_owned(),
        fontdb: Arc::new(db),
        ..usvg::Options::default()
    }
}
