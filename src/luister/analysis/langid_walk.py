"""py3langid's byte n-gram automaton, walked in compiled code (``luister.compiled`` builds this module).

py3langid walks its automaton over a text's bytes in a Python loop, 19 µs for a social post here; this
loop reads the same tables, laid out as bytes (4 bytes per entry, little-endian) so that mypyc indexes
them natively: about 6 µs. ``language.LanguageDetector`` checks the results against py3langid's.
"""

from __future__ import annotations


def walk_features(table: bytes, rows: bytes, outputs: bytes, data: bytes, found: list[int]) -> None:
    """Append to ``found`` the feature number of every n-gram of ``data`` the automaton recognises.

    ``table``: the next state for (row start + byte); ``rows``: each state's row start;
    ``outputs``: each state's feature number + 1 (0 where the state ends no feature)."""
    state = 0
    for byte in data:
        at = state * 4
        at = ((rows[at] | rows[at + 1] << 8 | rows[at + 2] << 16 | rows[at + 3] << 24) + byte) * 4
        state = table[at] | table[at + 1] << 8 | table[at + 2] << 16 | table[at + 3] << 24
        at = state * 4
        feature = outputs[at] | outputs[at + 1] << 8 | outputs[at + 2] << 16 | outputs[at + 3] << 24
        if feature:
            found.append(feature - 1)


def letter_count(text: str) -> int:
    """How many characters are letters as the regular expression ``[^\\W\\d_]`` counts them."""
    count = 0
    for char in text:
        code = ord(char)
        if code < 128:  # most characters: compared as numbers, no method call
            if 97 <= code <= 122 or 65 <= code <= 90:
                count += 1
        elif char.isalnum() and not char.isdecimal():
            count += 1
    return count
