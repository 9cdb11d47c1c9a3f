//! The scanner: plain CSV into dictionary-encoded columns, or a reason to let Arrow do it.
//!
//! It accepts a strict subset of CSV, the shape police.uk and most exports have: commas,
//! LF or CRLF line ends, a quote only around a whole cell, no line break inside a quoted
//! cell, the same number of cells in every row, no blank lines, no row over
//! [`MAX_ROW`] bytes. Anything else stops it with a [`Bail`], and the caller reads the
//! file with Arrow as before, so every refusal (and its message) still comes from there.
//! What it accepts, it returns exactly as Arrow's reader would with the options
//! `csvfiles.read_table` sets (the Python tests compare the two on generated files).
//!
//! No `unsafe` here: every index into the file is bounds-checked.
#![forbid(unsafe_code)]

use crate::bits::special_bits;

/// A column not read (Arrow's `include_columns` leaves it out).
pub const SKIP: u8 = 0;
/// A column read as `dictionary<int32, string>`; an empty cell is null.
pub const TEXT: u8 = 1;
/// A column read as `bool` from TRUE/True/true and FALSE/False/false; empty is null.
pub const FLAG: u8 = 2;

/// A row longer than this stops the scanner: Arrow's streaming reader refuses a row longer
/// than its 4 MiB block, and this stays well inside that.
pub const MAX_ROW: usize = 1 << 20;

/// After this many rows the columns are given room for the rest (see [`Scan::reserve`]).
const RESERVE_AFTER: usize = 1000;

/// Columns of more rows than this ask Linux for 2 MiB pages: a million-row column is
/// otherwise a thousand page faults, each a trip into the kernel to clear 4 KiB.
const HUGE_PAGES_FROM: usize = 1 << 20;

/// Why the scanner stopped (the Python side names these for tests and logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Bail {
    /// A quote not around a whole cell, or a cell whose quotes never close.
    Quote = 1,
    /// A line break inside a quoted cell.
    QuotedLineBreak = 2,
    /// A carriage return not followed by a line feed.
    LoneCarriageReturn = 3,
    /// A row with more or fewer cells than the header.
    CellCount = 4,
    /// A blank line (Arrow's reader and `_drop_blank_lines` handle those).
    BlankLine = 5,
    /// A row longer than [`MAX_ROW`].
    LongRow = 6,
    /// A flag column cell spelled some other way.
    FlagSpelling = 7,
    /// A dictionary past what `int32` offsets hold.
    TooLarge = 8,
    /// No data rows.
    Empty = 9,
    /// A bug: the scanner panicked (caught at the boundary).
    Panic = 10,
}

/// Values seen in one column, each once, in order of first appearance.
pub struct Dictionary {
    slots: Vec<Slot>,
    /// Each value's whole hash, by number (only to rebuild the table when it grows).
    hashes: Vec<u64>,
    /// What Arrow is given: the values' end offsets and their bytes.
    pub offsets: Vec<i32>,
    pub data: Vec<u8>,
}

/// A value's place in the hash table, with its length and its first and last eight bytes
/// ([`ends`]). Those are the whole value up to 16 bytes (most police.uk values: map
/// points, street ids, dates, times, codes), so finding one reads this slot and nothing
/// else; a longer value is compared byte for byte once its ends match.
#[derive(Clone, Copy, Default)]
struct Slot {
    head: u64,
    tail: u64,
    len: u32,
    /// The value's number plus one; 0 for an empty slot.
    id: u32,
}

/// A value's first and last eight bytes (overlapping, or packed when it is shorter).
#[inline(always)]
fn ends(value: &[u8]) -> (u64, u64) {
    let n = value.len();
    if n >= 8 {
        (word(value, 0), word(value, n - 8))
    } else if n >= 4 {
        (
            u64::from(quarter(value, 0)) << 32 | u64::from(quarter(value, n - 4)),
            0,
        )
    } else if n > 0 {
        let packed =
            u64::from(value[0]) << 16 | u64::from(value[n / 2]) << 8 | u64::from(value[n - 1]);
        (packed, 0)
    } else {
        (0, 0)
    }
}

impl Dictionary {
    fn new() -> Self {
        Dictionary {
            slots: vec![Slot::default(); 64],
            hashes: Vec::new(),
            offsets: vec![0],
            data: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of `value`, adding it if it is new.
    #[inline]
    fn number(&mut self, value: &[u8], key: &Key) -> Result<i32, Bail> {
        let n = value.len();
        let (head, tail) = ends(value);
        let hash = key.hash(value, head, tail);
        let mask = self.slots.len() - 1;
        let mut index = (hash >> 32) as usize & mask;
        loop {
            let slot = self.slots[index];
            if slot.id == 0 {
                break;
            }
            if slot.head == head && slot.tail == tail && slot.len as usize == n {
                let id = slot.id as usize - 1;
                if n <= 16 || {
                    let (start, end) = (self.offsets[id] as usize, self.offsets[id + 1] as usize);
                    same(&self.data[start..end], value)
                } {
                    return Ok(id as i32);
                }
            }
            index = (index + 1) & mask;
        }
        let id = self.len();
        if self.data.len() + n > i32::MAX as usize || id >= (i32::MAX as usize) - 1 {
            return Err(Bail::TooLarge);
        }
        self.slots[index] = Slot {
            head,
            tail,
            len: n as u32,
            id: id as u32 + 1,
        };
        self.hashes.push(hash);
        self.data.extend_from_slice(value);
        self.offsets.push(self.data.len() as i32);
        if self.len() * 2 > self.slots.len() {
            self.grow();
        }
        Ok(id as i32)
    }

    fn grow(&mut self) {
        let mut slots = vec![Slot::default(); self.slots.len() * 2];
        let mask = slots.len() - 1;
        for slot in self.slots.iter().filter(|slot| slot.id != 0) {
            let hash = self.hashes[slot.id as usize - 1];
            let mut index = (hash >> 32) as usize & mask;
            while slots[index].id != 0 {
                index = (index + 1) & mask;
            }
            slots[index] = *slot;
        }
        self.slots = slots;
    }
}

/// Eight bytes of `bytes` from `at` (which must leave eight).
#[inline(always)]
fn word(bytes: &[u8], at: usize) -> u64 {
    let mut eight = [0u8; 8];
    eight.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(eight)
}

/// `a == b` for two values of the same length, a word at a time (most are short).
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n < 8 || b.len() != n {
        return a == b;
    }
    let mut at = 0;
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// A keyed hash in the manner of wyhash: 16 bytes at a time, two lanes that multiply
/// independently, so a short value costs two multiplications one after the other. The key
/// is random for each file, so a file cannot be written to make its values collide and
/// slow the scan down.
pub struct Key {
    seed: u64,
    secrets: [u64; 3],
}

impl Key {
    pub fn new(seed: u64, secret: u64) -> Self {
        let secrets = [
            secret | 1,
            fold(secret, MIX) | 1,
            fold(secret ^ MIX, seed) | 1,
        ];
        Key { seed, secrets }
    }

    /// The hash of `value`, whose [`ends`] are `head` and `tail`.
    #[inline(always)]
    fn hash(&self, value: &[u8], head: u64, tail: u64) -> u64 {
        let n = value.len();
        let [one, two, three] = self.secrets;
        let (a, b) = if n <= 16 {
            (head, tail)
        } else {
            let mut left = self.seed;
            let mut right = self.seed ^ two;
            let mut at = 0;
            while at + 32 < n {
                left = fold(word(value, at) ^ one, word(value, at + 8) ^ left);
                right = fold(word(value, at + 16) ^ two, word(value, at + 24) ^ right);
                at += 32;
            }
            // The last 32 bytes (17 to 32 of them new), whatever the loop covered.
            let last = n.saturating_sub(32);
            let head = fold(word(value, last) ^ one, word(value, last + 8) ^ left);
            let tail = fold(word(value, n - 16) ^ two, word(value, n - 8) ^ right);
            (head, tail)
        };
        fold(a ^ one ^ (n as u64), b ^ self.seed ^ three) ^ fold(a ^ three, b ^ two)
    }
}

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// Four bytes of `bytes` from `at` (which must leave four).
#[inline(always)]
fn quarter(bytes: &[u8], at: usize) -> u32 {
    let mut four = [0u8; 4];
    four.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(four)
}

#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let product = (a as u128).wrapping_mul(b as u128);
    (product as u64) ^ ((product >> 64) as u64)
}

/// A bitmap, least significant bit first, as Arrow lays it out.
#[derive(Default)]
pub struct Bits {
    pub bytes: Vec<u8>,
}

impl Bits {
    /// One bit per item of `items`, set where `keep` says.
    fn from_items<T: Copy>(items: &[T], keep: impl Fn(T) -> bool) -> Bits {
        let bytes = items
            .chunks(8)
            .map(|eight| {
                let bits = eight.iter().enumerate();
                bits.fold(0u8, |byte, (bit, item)| byte | u8::from(keep(*item)) << bit)
            })
            .collect();
        Bits { bytes }
    }
}

/// One column read. While scanning, a text cell is its dictionary number (-1 if empty)
/// and a flag cell 0 (false), 1 (true) or 2 (empty); [`Scan::finish`] turns those into
/// Arrow's layout: numbers with 0 where null, bitmaps of values and validity.
pub enum Column {
    Skipped,
    Text {
        dictionary: Dictionary,
        numbers: Vec<i32>,
        valid: Bits,
        nulls: usize,
    },
    Flag {
        cells: Vec<u8>,
        values: Bits,
        valid: Bits,
        nulls: usize,
    },
}

/// The scan of one file, driven in steps so the caller can report progress.
pub struct Scan {
    pub columns: Vec<Column>,
    pub rows: usize,
    position: usize,
    key: Key,
    unescaped: Vec<u8>,
    specials: Specials,
}

/// Where the bytes that end or complicate an unquoted cell (comma, LF, CR, quote) are,
/// 64 bytes at a time: one bit per byte, so finding the end of a cell is a count of
/// trailing zeros rather than a loop over its bytes.
struct Specials {
    /// The first byte the mask covers (a multiple of 64, or `usize::MAX` before the first
    /// load), and the mask.
    base: usize,
    mask: u64,
}

impl Default for Specials {
    fn default() -> Self {
        Specials {
            base: usize::MAX,
            mask: 0,
        }
    }
}

impl Specials {
    /// The first comma, LF, CR or quote at or after `from`, or the end of `data`.
    #[inline(always)]
    fn next(&mut self, data: &[u8], from: usize) -> usize {
        let mut base = from & !63;
        if self.base != base {
            self.load(data, base);
        }
        let mut mask = self.mask & (!0u64 << (from - base));
        while mask == 0 {
            base += 64;
            if base >= data.len() {
                return data.len();
            }
            self.load(data, base);
            mask = self.mask;
        }
        (base + mask.trailing_zeros() as usize).min(data.len())
    }

    #[inline]
    fn load(&mut self, data: &[u8], base: usize) {
        self.base = base;
        self.mask = match data.get(base..base + 64) {
            Some(block) => special_bits(block.try_into().expect("64 bytes")),
            None => {
                let mut block = [0u8; 64];
                let tail = data.get(base..).unwrap_or(&[]);
                block[..tail.len()].copy_from_slice(tail);
                special_bits(&block)
            }
        };
    }
}

/// Where a cell ended.
#[derive(PartialEq, Eq)]
enum End {
    Comma,
    Line,
}

impl Scan {
    /// A scan of a file whose columns are read as `kinds` say ([`SKIP`], [`TEXT`], [`FLAG`]).
    pub fn new(kinds: &[u8], key: Key) -> Scan {
        let columns = kinds
            .iter()
            .map(|kind| match *kind {
                TEXT => Column::Text {
                    dictionary: Dictionary::new(),
                    numbers: Vec::new(),
                    valid: Bits::default(),
                    nulls: 0,
                },
                FLAG => Column::Flag {
                    cells: Vec::new(),
                    values: Bits::default(),
                    valid: Bits::default(),
                    nulls: 0,
                },
                _ => Column::Skipped,
            })
            .collect();
        Scan {
            columns,
            rows: 0,
            position: 0,
            key,
            unescaped: Vec::new(),
            specials: Specials::default(),
        }
    }

    /// Read whole rows until at least `until` bytes of `data` are behind (or it ends).
    /// The first call skips the header row. Returns how far it got.
    pub fn run(&mut self, data: &[u8], until: usize) -> Result<usize, Bail> {
        if self.position == 0 {
            self.position = self.skip_header(data)?;
        }
        while self.position < data.len() && self.position < until {
            self.position = self.row(data, self.position)?;
            self.rows += 1;
            if self.rows == RESERVE_AFTER {
                self.reserve(data.len());
            }
        }
        if self.position >= data.len() {
            if self.rows == 0 {
                return Err(Bail::Empty);
            }
            self.finish();
        }
        Ok(self.position)
    }

    /// Room for the rows the file probably holds, judged from the first ones, so the
    /// columns are not copied again and again as they grow.
    fn reserve(&mut self, size: usize) {
        let guess = (size as u128 * self.rows as u128 / self.position.max(1) as u128) as usize;
        // A file can start with short rows and go on with long ones, so never more rows
        // than the bytes left could hold (each row has a byte per cell at least), and
        // never an abort: if the room cannot be had, the columns grow as they go.
        let most = self.rows + (size - self.position) / self.columns.len().max(1) + 1;
        let expected = guess.saturating_add(guess / 16).min(most);
        let more = expected.saturating_sub(self.rows);
        for column in &mut self.columns {
            let _ = match column {
                Column::Text { numbers, .. } if more >= HUGE_PAGES_FROM => {
                    // 2 MiB more, so whole huge pages cover every row's number.
                    let reserved = numbers.try_reserve(more + (2 << 20) / 4);
                    crate::pages::ask_for_huge_pages(numbers);
                    reserved
                }
                Column::Text { numbers, .. } => numbers.try_reserve(more),
                Column::Flag { cells, .. } => cells.try_reserve(more),
                Column::Skipped => Ok(()),
            };
        }
    }

    /// Arrow's layout, once every row has been read.
    fn finish(&mut self) {
        for column in &mut self.columns {
            match column {
                Column::Text {
                    numbers,
                    valid,
                    nulls,
                    ..
                } => {
                    *valid = Bits::from_items(numbers, |n| n >= 0);
                    *nulls = numbers.iter().filter(|n| **n < 0).count();
                    if *nulls > 0 {
                        for number in numbers.iter_mut() {
                            *number = (*number).max(0);
                        }
                    }
                }
                Column::Flag {
                    cells,
                    values,
                    valid,
                    nulls,
                } => {
                    *values = Bits::from_items(cells, |c| c == 1);
                    *valid = Bits::from_items(cells, |c| c != 2);
                    *nulls = cells.iter().filter(|c| **c == 2).count();
                    *cells = Vec::new();
                }
                Column::Skipped => {}
            }
        }
    }

    fn skip_header(&mut self, data: &[u8]) -> Result<usize, Bail> {
        let mut at = 0;
        loop {
            let (_, end, next) = self.cell(data, at)?;
            if next > MAX_ROW {
                return Err(Bail::LongRow); // the header row is held to the same limit
            }
            at = next;
            if end == End::Line {
                return Ok(at);
            }
        }
    }

    fn row(&mut self, data: &[u8], start: usize) -> Result<usize, Bail> {
        if data[start] == b'\n' || data[start] == b'\r' {
            return Err(Bail::BlankLine);
        }
        let count = self.columns.len();
        let mut at = start;
        for index in 0..count {
            let (value, end, next) = self.cell(data, at)?;
            at = next;
            if (end == End::Line) != (index + 1 == count) {
                return Err(Bail::CellCount);
            }
            let value: &[u8] = match value {
                Cell::At(from, to) => &data[from..to],
                Cell::Unescaped => &self.unescaped,
            };
            match &mut self.columns[index] {
                Column::Skipped => {}
                Column::Text {
                    dictionary,
                    numbers,
                    ..
                } => {
                    numbers.push(if value.is_empty() {
                        -1
                    } else {
                        dictionary.number(value, &self.key)?
                    });
                }
                Column::Flag { cells, .. } => {
                    cells.push(match value {
                        b"" => 2,
                        b"TRUE" | b"True" | b"true" => 1,
                        b"FALSE" | b"False" | b"false" => 0,
                        _ => return Err(Bail::FlagSpelling),
                    });
                }
            }
        }
        if at - start > MAX_ROW {
            return Err(Bail::LongRow);
        }
        Ok(at)
    }

    /// One cell starting at `at`: its value, how it ended, and where the next one starts.
    /// Most cells end at a comma or a line feed; the rest go to [`Scan::cell_otherwise`]
    /// (a quote opening the cell is the first special byte, so it goes there too).
    #[inline(always)]
    fn cell(&mut self, data: &[u8], at: usize) -> Result<(Cell, End, usize), Bail> {
        let end = self.specials.next(data, at);
        match data.get(end) {
            Some(b',') => Ok((Cell::At(at, end), End::Comma, end + 1)),
            Some(b'\n') => Ok((Cell::At(at, end), End::Line, end + 1)),
            _ => self.cell_otherwise(data, at, end),
        }
    }

    /// A cell that opens with a quote, or ends at a CR, a stray quote or the end of the
    /// file. `end` is the first special byte at or after `at`.
    #[inline(never)]
    fn cell_otherwise(
        &mut self,
        data: &[u8],
        at: usize,
        end: usize,
    ) -> Result<(Cell, End, usize), Bail> {
        if end == at && data.get(at) == Some(&b'"') {
            return self.quoted(data, at + 1);
        }
        let (how, next) = ending(data, end)?;
        Ok((Cell::At(at, end), how, next))
    }

    #[cold]
    fn quoted(&mut self, data: &[u8], from: usize) -> Result<(Cell, End, usize), Bail> {
        let mut at = from;
        let mut doubled = false;
        loop {
            match data.get(at) {
                None => return Err(Bail::Quote),
                Some(b'\n' | b'\r') => return Err(Bail::QuotedLineBreak),
                Some(b'"') if data.get(at + 1) == Some(&b'"') => {
                    doubled = true;
                    at += 2;
                }
                Some(b'"') => break,
                Some(_) => at += 1,
            }
        }
        let (how, next) = ending(data, at + 1)?;
        if !doubled {
            return Ok((Cell::At(from, at), how, next));
        }
        self.unescaped.clear();
        let mut i = from;
        while i < at {
            self.unescaped.push(data[i]);
            i += if data[i] == b'"' { 2 } else { 1 };
        }
        Ok((Cell::Unescaped, how, next))
    }
}

/// A cell's value: a range of the file, or the unescaped copy of a quoted cell.
enum Cell {
    At(usize, usize),
    Unescaped,
}

/// What ends a cell at `at`: a comma, a line end (LF, CRLF) or the end of the file.
#[inline(always)]
fn ending(data: &[u8], at: usize) -> Result<(End, usize), Bail> {
    match data.get(at) {
        None => Ok((End::Line, at)),
        Some(b',') => Ok((End::Comma, at + 1)),
        Some(b'\n') => Ok((End::Line, at + 1)),
        Some(b'\r') if data.get(at + 1) == Some(&b'\n') => Ok((End::Line, at + 2)),
        Some(b'\r') => Err(Bail::LoneCarriageReturn),
        Some(_) => Err(Bail::Quote),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(key: &Key, value: &[u8]) -> u64 {
        let (head, tail) = ends(value);
        key.hash(value, head, tail)
    }

    #[test]
    fn every_byte_of_every_length_counts_in_the_hash() {
        let key = Key::new(0x1234_5678, 0x9abc_def0);
        for n in 0..200 {
            let value = vec![b'a'; n];
            let base = hash(&key, &value);
            for at in 0..n {
                let mut changed = value.clone();
                changed[at] = b'b';
                assert_ne!(hash(&key, &changed), base, "length {n}, byte {at}");
            }
            assert_ne!(
                hash(&key, &vec![b'a'; n + 1]),
                base,
                "length {n} and {}",
                n + 1
            );
        }
    }

    #[test]
    fn the_same_value_gets_the_same_number() {
        let key = Key::new(7, 11);
        let mut dictionary = Dictionary::new();
        let values: Vec<Vec<u8>> = (0..5000)
            .map(|i| format!("value {i}").into_bytes())
            .collect();
        for (i, value) in values.iter().enumerate() {
            assert_eq!(dictionary.number(value, &key), Ok(i as i32));
        }
        for (i, value) in values.iter().enumerate().rev() {
            assert_eq!(dictionary.number(value, &key), Ok(i as i32));
        }
        assert_eq!(dictionary.len(), 5000);
    }

    #[test]
    fn room_is_never_reserved_for_more_rows_than_the_bytes_left_could_hold() {
        // A thousand one-byte rows, then one long row: the first rows suggest a million.
        let mut data = b"a,b\n".to_vec();
        for _ in 0..RESERVE_AFTER {
            data.extend_from_slice(b",\n");
        }
        data.extend_from_slice(&[b'x'; 900_000]);
        data.extend_from_slice(b",\n");
        let read = scan(&data, &[TEXT, TEXT]).expect("plain");
        assert_eq!(read.rows, RESERVE_AFTER + 1);
        for column in &read.columns {
            if let Column::Text { numbers, .. } = column {
                assert!(numbers.capacity() < 460_000, "{}", numbers.capacity());
            }
        }
    }

    #[test]
    fn long_values_with_the_same_ends_are_told_apart_by_their_middles() {
        let key = Key::new(3, 5);
        let mut dictionary = Dictionary::new();
        let values: Vec<Vec<u8>> = (0..3000)
            .map(|i| format!("ABCDEFGH{i:06}IJKLMNOP").into_bytes())
            .collect();
        for (i, value) in values.iter().enumerate() {
            assert_eq!(dictionary.number(value, &key), Ok(i as i32));
        }
        for (i, value) in values.iter().enumerate() {
            assert_eq!(dictionary.number(value, &key), Ok(i as i32));
        }
    }

    fn scan(data: &[u8], kinds: &[u8]) -> Result<Scan, Bail> {
        let mut scan = Scan::new(kinds, Key::new(1, 2));
        scan.run(data, usize::MAX)?;
        Ok(scan)
    }

    #[test]
    fn a_plain_file_is_read_and_anything_else_is_refused_with_a_reason() {
        let read = scan(b"a,b\n\"x,y\",TRUE\n,false\r\n", &[TEXT, FLAG]).expect("plain");
        assert_eq!(read.rows, 2);
        for (data, bail) in [
            (&b"a,b\n1,x\"y\n"[..], Bail::Quote),
            (b"a,b\n1,\"x\ny\"\n", Bail::QuotedLineBreak),
            (b"a,b\n1,2\r3,4\n", Bail::LoneCarriageReturn),
            (b"a,b\n1,2,3\n", Bail::CellCount),
            (b"a,b\n1,true\n\n", Bail::BlankLine),
            (b"a,b\n1,maybe\n", Bail::FlagSpelling),
            (b"a,b\n", Bail::Empty),
        ] {
            assert_eq!(scan(data, &[TEXT, FLAG]).err(), Some(bail), "{data:?}");
        }
    }

    /// A column's numbers, validity, dictionary offsets, bytes (or flag values) and nulls.
    type Summary = (Vec<i32>, Vec<u8>, Vec<i32>, Vec<u8>, usize);

    /// Everything the scan returns, to compare two scans.
    fn summary(scan: &Scan) -> Vec<Summary> {
        scan.columns
            .iter()
            .map(|column| match column {
                Column::Text {
                    dictionary,
                    numbers,
                    valid,
                    nulls,
                } => (
                    numbers.clone(),
                    valid.bytes.clone(),
                    dictionary.offsets.clone(),
                    dictionary.data.clone(),
                    *nulls,
                ),
                Column::Flag {
                    values,
                    valid,
                    nulls,
                    ..
                } => (
                    Vec::new(),
                    valid.bytes.clone(),
                    Vec::new(),
                    values.bytes.clone(),
                    *nulls,
                ),
                Column::Skipped => Default::default(),
            })
            .collect()
    }

    #[test]
    fn random_files_read_in_any_steps_give_one_result_and_never_panic() {
        // A small xorshift generator: no crates, and the same files on every run.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        let pieces: [&[u8]; 16] = [
            b"a",
            b"bb",
            b"xxxxxxxxxxxxxxxxxxx",
            b",",
            b"\n",
            b"\r\n",
            b"\r",
            b"\"",
            b"\"\"",
            b"TRUE",
            b"false",
            b"\xc3\xa9",
            b"\xff",
            b"\0",
            b" ",
            b"\"q,\"\"\"",
        ];
        let mut read = 0;
        for _ in 0..20_000 {
            let mut data = b"h1,h2,h3\n".to_vec();
            let line_end: &[u8] = if next(2) == 0 { b"\n" } else { b"\r\n" };
            for row in 0..next(40) {
                if row > 0 {
                    data.extend_from_slice(line_end);
                }
                for cell in 0..3 {
                    if cell > 0 {
                        data.push(b',');
                    }
                    for _ in 0..next(4) {
                        // Mostly cells a reader takes; now and then any piece at all.
                        let piece = pieces[next(16)];
                        let plain = !matches!(piece.first(), Some(b',' | b'\n' | b'\r' | b'"'));
                        if plain || next(40) == 0 {
                            data.extend_from_slice(piece);
                        }
                    }
                }
            }
            if next(2) == 0 {
                data.extend_from_slice(line_end);
            }
            let kinds = [[TEXT, FLAG, SKIP], [TEXT, TEXT, TEXT], [SKIP, SKIP, FLAG]][next(3)];
            let whole = scan(&data, &kinds);
            let step = 1 + next(70);
            let mut stepped = Scan::new(&kinds, Key::new(1, 2));
            let mut until = 0;
            let stepped = loop {
                until += step;
                match stepped.run(&data, until) {
                    Err(bail) => break Err(bail),
                    Ok(at) if at >= data.len() => break Ok(stepped),
                    Ok(at) => assert!(at >= until, "stopped at {at} before {until}"),
                }
            };
            match (whole, stepped) {
                (Ok(whole), Ok(stepped)) => {
                    read += 1;
                    assert_eq!(whole.rows, stepped.rows, "{data:?}");
                    assert!(summary(&whole) == summary(&stepped), "{data:?}");
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{data:?}"),
                (a, b) => panic!("{:?} and {:?}: {data:?}", a.err(), b.err()),
            }
        }
        assert!(read > 1000, "only {read} files read to the end");
    }
}
