//! Near-duplicate fingerprints: normalized words → 4-word shingles → a
//! MinHash signature and its LSH band keys, plus a sample of the shingles
//! for containment; then exact overlap between two shingle sets.
//!
//! Everything here is fixed by this file: the word rules, the shingle hash,
//! the MinHash scheme and the seeds. A fingerprint computed today equals one
//! computed by any later version on any machine, so stored keys stay
//! comparable. Changing any of it needs a new [`SCHEME`] and a re-fingerprint.
//!
//! The hashing is written here, not taken from a crate: std's hashers are
//! randomly seeded or unspecified across releases, and the scheme must stay
//! bit-for-bit stable. SplitMix64's finalizer is a public, fixed function.

/// Version of the fingerprint scheme; stored beside the keys.
pub const SCHEME: u32 = 1;
/// Words per shingle. Four keeps an edited copy (one word in ten changed)
/// at about two thirds of its shingles, while unrelated news shares almost
/// none.
pub const SHINGLE_WORDS: usize = 4;
/// MinHash values per signature (one-permutation hashing: one hash per
/// shingle, the minimum kept per bin).
pub const SIGNATURE_LEN: usize = 64;
/// LSH: bands of two values each. Two documents become candidates when one
/// band matches: at Jaccard 0.3 that happens with probability 0.95, at 0.45
/// (a copy with one word in ten edited) 0.999, at 0.01 (unrelated) 0.003.
pub const BAND_ROWS: usize = 2;
pub const BANDS: usize = SIGNATURE_LEN / BAND_ROWS;
/// One shingle in this many is kept as a containment anchor: an excerpt
/// that holds 30 % of a 700-word article shares about 26 anchors with it,
/// whatever else surrounds it, and two paragraphs of 25 words share six.
pub const ANCHOR_SAMPLING: u64 = 8;
/// At most this many anchors per document (those of the smallest hash), so
/// that with the band keys a document takes at most 1 KiB of keys.
pub const MAX_ANCHORS: usize = 96;

/// The fixed 64-bit mixer (SplitMix64's finalizer).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A word's hash, from its lowercased UTF-8 as the bytes come: eight bytes
/// at a time (little-endian, the last chunk zero-padded), each mixed into
/// the state, then the length. (`tests::hash_word` is the same, plainly.)
struct WordHasher {
    h: u64,
    chunk: u64,
    filled: u32,
    len: u64,
}

impl WordHasher {
    const START: WordHasher = WordHasher {
        h: 0xcbf2_9ce4_8422_2325,
        chunk: 0,
        filled: 0,
        len: 0,
    };

    #[inline]
    fn push(&mut self, b: u8) {
        self.chunk |= u64::from(b) << (8 * self.filled);
        self.filled += 1;
        self.len += 1;
        if self.filled == 8 {
            self.h = mix(self.h ^ self.chunk);
            (self.chunk, self.filled) = (0, 0);
        }
    }

    /// The word's hash, if a word was pushed; the hasher starts over.
    #[inline]
    fn finish(&mut self) -> Option<u64> {
        if self.len == 0 {
            return None;
        }
        if self.filled > 0 {
            self.h = mix(self.h ^ self.chunk);
        }
        let out = mix(self.h ^ self.len);
        *self = WordHasher::START;
        Some(out)
    }
}

/// For each ASCII byte, its lowercase if it is a letter or digit, else 0.
static ASCII_WORD: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// The hashes of a text's words: runs of letters and digits, case folded.
/// Punctuation, quotes and spacing are not part of the text's identity.
/// (One pass over the bytes, ASCII without decoding and no buffer: this is
/// most of fingerprinting's time.)
pub fn word_hashes(text: &str) -> Vec<u64> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 6);
    let mut word = WordHasher::START;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            match ASCII_WORD[b as usize] {
                0 => out.extend(word.finish()),
                lower => word.push(lower),
            }
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        if c.is_alphanumeric() {
            for lower in c.to_lowercase() {
                let mut buf = [0u8; 4];
                lower.encode_utf8(&mut buf).bytes().for_each(|x| word.push(x));
            }
        } else {
            out.extend(word.finish());
        }
        i += c.len_utf8();
    }
    out.extend(word.finish());
    out
}

/// The distinct shingle hashes of a text, sorted. A text shorter than a
/// shingle is one shingle of all its words.
pub fn shingles(text: &str) -> Vec<u64> {
    shingles_of_words(&word_hashes(text))
}

/// [`shingles`] from word hashes already computed.
pub fn shingles_of_words(words: &[u64]) -> Vec<u64> {
    // Each word rotated by its place, so order counts; one mix per shingle.
    let combine = |window: &[u64]| {
        let folded = window
            .iter()
            .enumerate()
            .fold(0x9e37_79b9_7f4a_7c15_u64, |acc, (i, &w)| {
                acc ^ w.rotate_left(16 * i as u32)
            });
        mix(folded)
    };
    let mut out: Vec<u64> = if words.len() < SHINGLE_WORDS {
        if words.is_empty() {
            Vec::new()
        } else {
            vec![combine(words)]
        }
    } else {
        words.windows(SHINGLE_WORDS).map(combine).collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// A MinHash signature by one-permutation hashing: each shingle falls in
/// one of [`SIGNATURE_LEN`] bins by its hash, and a bin keeps its smallest
/// value. Empty bins (short texts) borrow from the next filled bin to the
/// right, re-mixed with the distance, so two texts still agree where their
/// shingles do. `None` for an empty text.
pub fn minhash(shingles: &[u64]) -> Option<[u64; SIGNATURE_LEN]> {
    if shingles.is_empty() {
        return None;
    }
    let mut bins = [u64::MAX; SIGNATURE_LEN];
    for &s in shingles {
        let h = mix(s ^ 0x5851_f42d_4c95_7f2d);
        let bin = (h >> 58) as usize; // the top 6 bits pick one of 64 bins
        let value = h & ((1 << 58) - 1);
        if value < bins[bin] {
            bins[bin] = value;
        }
    }
    let mut out = bins;
    for (i, slot) in out.iter_mut().enumerate() {
        if *slot != u64::MAX {
            continue;
        }
        let (distance, value) = (1..SIGNATURE_LEN)
            .map(|d| (d, bins[(i + d) % SIGNATURE_LEN]))
            .find(|(_, v)| *v != u64::MAX)
            .unwrap_or((0, 0));
        *slot = mix(value ^ (distance as u64).wrapping_mul(0x2545_f491_4f6c_dd1d)) & ((1 << 58) - 1);
    }
    Some(out)
}

/// The bit that marks a band key; containment anchors have it clear.
pub const BAND_KEY_BIT: u64 = 1 << 62;

/// Whether a lookup key is an LSH band key (else a containment anchor).
pub fn is_band_key(key: u64) -> bool {
    key & BAND_KEY_BIT != 0
}

/// The LSH band keys of a signature: band `i` hashes its rows with `i`, so
/// equal values in different bands never collide. The top bit is clear, so
/// a key fits a signed 64-bit column; the next says "band".
pub fn band_keys(signature: &[u64; SIGNATURE_LEN]) -> Vec<u64> {
    signature
        .chunks(BAND_ROWS)
        .enumerate()
        .map(|(i, rows)| {
            let h = rows
                .iter()
                .fold(mix(i as u64 + 1), |acc, &r| mix(acc.rotate_left(17) ^ r));
            (h >> 2) | BAND_KEY_BIT
        })
        .collect()
}

/// The containment anchors of a shingle set: the shingles whose hash is a
/// multiple of [`ANCHOR_SAMPLING`], at most [`MAX_ANCHORS`] of them. Top
/// two bits clear, so they fit a signed column and differ from band keys.
pub fn anchor_keys(shingles: &[u64]) -> Vec<u64> {
    // `shingles` is sorted, so the first ones kept are the smallest.
    shingles
        .iter()
        .filter(|&&s| mix(s).is_multiple_of(ANCHOR_SAMPLING))
        .take(MAX_ANCHORS)
        .map(|&s| s >> 2)
        .collect()
}

/// Every key a document is stored and looked up under.
pub fn lookup_keys(shingles: &[u64]) -> Vec<u64> {
    let mut keys = minhash(shingles).map(|s| band_keys(&s)).unwrap_or_default();
    keys.extend(anchor_keys(shingles));
    keys
}

/// How two shingle sets overlap, exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlap {
    pub shared: usize,
    pub a_len: usize,
    pub b_len: usize,
}

impl Overlap {
    /// |A ∩ B| / |A ∪ B|.
    pub fn jaccard(&self) -> f64 {
        let union = self.a_len + self.b_len - self.shared;
        if union == 0 {
            0.0
        } else {
            self.shared as f64 / union as f64
        }
    }

    /// |A ∩ B| / min(|A|, |B|): how much of the smaller is in the larger.
    pub fn containment(&self) -> f64 {
        let min = self.a_len.min(self.b_len);
        if min == 0 { 0.0 } else { self.shared as f64 / min as f64 }
    }

    /// |A ∩ B| / max(|A|, |B|): how much of the larger the smaller covers.
    pub fn coverage(&self) -> f64 {
        let max = self.a_len.max(self.b_len);
        if max == 0 { 0.0 } else { self.shared as f64 / max as f64 }
    }
}

/// The exact overlap of two sorted, distinct shingle sets.
pub fn overlap(a: &[u64], b: &[u64]) -> Overlap {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    Overlap {
        shared,
        a_len: a.len(),
        b_len: b.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXT: &str = "Russia and Ukraine traded accusations on Tuesday over an attack on a \
        power plant, a Kremlin spokesman told reporters, while Israel said in a statement that \
        its strikes would continue until the hostages were returned home to their families.";

    #[test]
    fn the_scheme_is_fixed() {
        // These values are the scheme: if this test fails, stored keys no
        // longer match new ones. Bump SCHEME and re-fingerprint instead.
        let s = shingles("The quick brown fox jumps over the lazy dog");
        assert_eq!(s.len(), 6);
        assert_eq!(word_hashes("Fox"), word_hashes("fox"));
        assert_eq!(mix(1), 0x5692_161d_100b_05e5);
        let keys = lookup_keys(&s);
        assert_eq!(keys.len(), BANDS + anchor_keys(&s).len());
        assert_eq!(
            shingles("the quick brown fox")[0],
            shingles("THE  quick, brown — fox!")[0]
        );
        pinned(&s, &keys);
    }

    /// The first shingle and band key, pinned: computed independently by a
    /// Python transcription of this file's scheme.
    fn pinned(shingles: &[u64], keys: &[u64]) {
        assert_eq!(shingles[0], 0x0838_ac25_02b9_1a34, "{:#018x}", shingles[0]);
        assert_eq!(keys[0], 0x667e_a802_6d16_3122, "{:#018x}", keys[0]);
    }

    #[test]
    fn copies_share_bands_and_strangers_do_not() {
        let a = shingles(TEXT);
        let edited = TEXT
            .replace("Tuesday", "Wednesday")
            .replace("power plant", "nuclear plant");
        let b = shingles(&edited);
        let ov = overlap(&a, &b);
        assert!(ov.jaccard() > 0.6 && ov.jaccard() < 1.0, "{ov:?}");
        let (ka, kb) = (lookup_keys(&a), lookup_keys(&b));
        assert!(ka.iter().any(|k| kb.contains(k)));
        let other = shingles(
            "Scientists in Norway found a new species of deep-sea fish living near hot vents on the ocean floor, far from any light.",
        );
        let ko = lookup_keys(&other);
        assert!(!ka.iter().any(|k| ko.contains(k)));
        assert_eq!(overlap(&a, &other).shared, 0);
    }

    #[test]
    fn containment_sees_an_excerpt_inside_other_material() {
        let source = shingles(TEXT);
        let excerpt = format!(
            "In other news today the markets fell sharply and analysts expect more volatility. {} \
             Meanwhile the weather service warned of storms across the region this weekend.",
            &TEXT[..120]
        );
        let ov = overlap(&source, &shingles(&excerpt));
        assert!(ov.containment() > 0.3, "{ov:?}");
        assert!(ov.jaccard() < 0.3, "{ov:?}");
    }

    #[test]
    fn empty_and_tiny_texts() {
        assert!(shingles("").is_empty());
        assert!(minhash(&[]).is_none());
        assert!(lookup_keys(&[]).is_empty());
        assert_eq!(shingles("Breaking news").len(), 1);
        let sig = minhash(&shingles("Breaking news")).unwrap();
        assert!(sig.iter().all(|v| *v < 1 << 58));
    }

    /// The hash of one word's lowercased UTF-8: eight bytes at a time
    /// (little-endian, the last chunk zero-padded), each mixed into the state,
    /// then the length.
    fn hash_word(bytes: &[u8]) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            h = mix(h ^ u64::from_le_bytes(buf));
        }
        mix(h ^ bytes.len() as u64)
    }

    /// The definition `word_hashes` implements, written plainly.
    fn word_hashes_by_definition(text: &str) -> Vec<u64> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| hash_word(w.chars().flat_map(char::to_lowercase).collect::<String>().as_bytes()))
            .collect()
    }

    proptest! {
        #[test]
        fn word_hashes_follow_their_definition(text in "\\PC{0,120}") {
            prop_assert_eq!(word_hashes(&text), word_hashes_by_definition(&text));
        }


        #[test]
        fn overlap_is_symmetric_and_bounded(a in "[a-e ]{0,200}", b in "[a-e ]{0,200}") {
            let (sa, sb) = (shingles(&a), shingles(&b));
            let (x, y) = (overlap(&sa, &sb), overlap(&sb, &sa));
            prop_assert_eq!(x.shared, y.shared);
            prop_assert!((0.0..=1.0).contains(&x.jaccard()));
            prop_assert!(x.jaccard() <= x.containment() + 1e-12);
            prop_assert!(x.coverage() <= x.containment() + 1e-12);
            prop_assert!(lookup_keys(&sa).iter().all(|k| *k < 1 << 63));
        }

        #[test]
        fn identical_texts_have_identical_keys(a in "[a-z ]{1,300}") {
            prop_assert_eq!(lookup_keys(&shingles(&a)), lookup_keys(&shingles(&a.to_uppercase())));
        }
    }
}
