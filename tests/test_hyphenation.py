"""Soft hyphens in long German words and break opportunities in long addresses: text only."""

from __future__ import annotations

import sys
from pathlib import Path

import pyphen
import pytest

from generator import hyphenation
from generator.hyphenation import SHY, WBR, hyphenate_html, hyphenate_text, hyphenate_word


def test_long_words_get_soft_hyphens_where_german_allows() -> None:
    assert hyphenate_text("Das Kreisentwicklungskonzept") == f"Das Kreis{SHY}ent{SHY}wick{SHY}lungs{SHY}kon{SHY}zept"
    assert hyphenate_text("Kurze Wörter bleiben") == "Kurze Wörter bleiben"  # under 12 letters
    assert hyphenate_text("Seniorenbeauftragter").replace(SHY, "") == "Seniorenbeauftragter"
    assert hyphenate_text("Sozialplanerin 03843 000-701") == f"Sozi{SHY}al{SHY}pla{SHY}ne{SHY}rin 03843 000-701"  # at least 3 letters each side


def test_long_addresses_get_break_opportunities_only_in_text() -> None:
    url = "www.hollerbrueck.example.net/zukunft"
    assert hyphenate_text(url, WBR) == "www<wbr>.hollerbrueck<wbr>.example<wbr>.net/<wbr>zukunft"
    mail = "m.voigt-okafor@hollerbrueck.example.net"
    assert hyphenate_text(mail).replace(WBR, "") == mail
    assert f"@{WBR}hollerbrueck" in hyphenate_text(mail)
    assert "\u200b" not in hyphenate_text(mail)  # a character would be copied with the address
    assert hyphenate_text("kurz@y.de") == "kurz@y.de"


def test_long_runs_in_addresses_break_every_twenty_characters() -> None:
    """A document ID or a long path segment fits a phone: no run longer than 20 characters."""
    doc_id = "1aBcD3fGhIjKlMnOpQrStUvWxYz0123456789abcdefgh"
    url = f"https://docs.google.com/document/d/{doc_id}/edit?a=1&amp;b=2"
    result = hyphenate_text(url)
    assert result.replace(WBR, "") == url
    assert max(len(run) for run in result.split(WBR)) <= 20
    assert "&amp;" in result  # an entity is never split


def test_markup_code_comments_and_attributes_are_left_alone() -> None:
    html = (
        '<h1 title="Kreisentwicklungskonzept">Kreisentwicklungskonzept</h1>'
        "<pre>Kreisentwicklungskonzept</pre><code>Kreisentwicklungskonzept</code>"
        "<!--[if mso]><center>Kreisentwicklungskonzept</center><![endif]-->"
        "<style>.Kreisentwicklungskonzept{}</style><title>Kreisentwicklungskonzept</title>"
        '<a href="https://www.hollerbrueck.example.net/zukunft">Kreisentwicklungskonzept</a>'
    )
    result = hyphenate_html(html)
    assert result.count(SHY) == 2 * 5  # the heading's and the link's text only
    assert result.replace(SHY, "") == html



def test_words_in_capitals_are_left_whole() -> None:
    """An acronym or a word in capitals is read letter by letter or shouted: no soft hyphens;
    the same word in lower case is hyphenated (surnames too: invisible unless a line breaks)."""
    assert hyphenate_text("Die ABCDEFGHIJKLMN-Regeln") == "Die ABCDEFGHIJKLMN-Regeln"
    assert hyphenate_text("KREISENTWICKLUNGSKONZEPT") == "KREISENTWICKLUNGSKONZEPT"
    assert SHY in hyphenate_text("Kreisentwicklungskonzept")


def test_the_cached_patterns_are_the_same_patterns_each_value_held_once(tmp_path: Path) -> None:
    """use_cache keeps pyphen's German patterns with each distinct value once (8 of their 15 MB
    were copies, in every process that hyphenates): the same patterns, read back the same."""
    source = pyphen.LANGUAGES[pyphen.language_fallback(hyphenation.LANGUAGE)]
    fresh = pyphen.HyphDict(source)
    shared = hyphenation._shared(pyphen.HyphDict(source))
    assert shared.patterns == fresh.patterns
    assert len({id(value) for value in shared.patterns.values()}) * 10 < len(fresh.patterns)
    kept = pyphen.hdcache.pop(source, None)
    try:
        hyphenation.use_cache(tmp_path)  # parses, shares and writes the cache
        pyphen.hdcache.pop(source)
        hyphenation.use_cache(tmp_path)  # reads it back
        read_back = pyphen.hdcache[source]
        assert read_back.patterns == fresh.patterns
        assert len({id(value) for value in read_back.patterns.values()}) * 10 < len(fresh.patterns)
        assert len(list(tmp_path.glob("hyphenation-*.pickle"))) == 1
    finally:
        if kept is not None:
            pyphen.hdcache[source] = kept


@pytest.mark.parametrize("starts", [True, False])
def test_patterns_parsed_in_a_process_of_their_own_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, starts: bool
) -> None:
    """prepare_cache parses the patterns in a process beside the build's loading; use_cache waits
    for it and reads what it wrote. A process that fails (here: a program that is no Python)
    leaves use_cache to parse them itself: the same patterns either way."""
    source = pyphen.LANGUAGES[pyphen.language_fallback(hyphenation.LANGUAGE)]
    fresh = pyphen.HyphDict(source)
    monkeypatch.setattr(pyphen, "hdcache", {})  # this process has not parsed them
    if not starts:
        monkeypatch.setattr(sys, "executable", "/bin/false")
    folder = tmp_path / "cache"
    hyphenation.prepare_cache(folder)
    preparing = hyphenation._preparing[folder]
    hyphenation.use_cache(folder)
    assert preparing.returncode == (0 if starts else 1) and folder not in hyphenation._preparing
    assert pyphen.hdcache[source].patterns == fresh.patterns
    assert len(list(folder.glob("hyphenation-*.pickle"))) == 1
    pyphen.hdcache.clear()
    hyphenation.prepare_cache(folder)  # there now: nothing to start
    assert folder not in hyphenation._preparing


def test_entities_and_preformatted_text_stay_as_written() -> None:
    """Found by an attacker's trial: a long entity name got soft hyphens (the page showed
    "&Non\u00adBrea..." as text), and text after </code> in a <pre> was hyphenated (a copied
    command or address then holds invisible characters). kbd, samp, xmp and listing are kept
    like code."""
    entities = "<p>a&NonBreakingSpace;b &leftrightsquigarrow; &CounterClockwiseContourIntegral; Ende.</p>"
    assert hyphenate_html(entities) == entities
    preformatted = (
        "<pre><code>Kreisentwicklungskonzeptfortschreibung</code>Verwaltungsgeb\u00e4udestra\u00dfenverzeichnis "
        "www.kreisentwicklungskonzept-musterkreis.de/unterlagen/abschlussbericht.pdf</PRE >"
    )
    assert hyphenate_html(preformatted + "<p>Kreisentwicklungskonzept</p>") == preformatted + (
        "<p>Kreis\u00adent\u00adwick\u00adlungs\u00adkon\u00adzept</p>"
    )
    for name in ("kbd", "samp", "xmp", "listing"):
        code = f"<{name}>Tastenkombinationsbeschreibung www.example.org/a/b/c/d/e/f/g</{name}>"
        assert hyphenate_html(code) == code


def test_a_long_run_before_an_at_sign_is_read_once() -> None:
    """An address's part before the "@" is at most 64 characters: a run of 60,000 digits beside
    an "@" made the address pattern take each digit to the run's end again (34 s for one issue's
    build); now it is read in linear time, and the text stays as it is."""
    text = "Nummer " + "1" * 60_000 + " bitte an @ senden, oder 2" * 3 + "@x"
    assert hyphenate_text(text) == text
    assert hyphenate_html(f"<p>{text}</p>") == f"<p>{text}</p>"
    # an ordinary address still breaks after its "@" and before each dot
    assert hyphenate_text("kreisentwicklung.beteiligung@landkreis-rostock.de") == (
        "kreisentwicklung<wbr>.beteiligung@<wbr>landkreis-rostock<wbr>.de"
    )


def test_no_break_touches_a_part_without_a_vowel() -> None:
    """From editors' trials: the German patterns broke "Sozialraumanalysebericht" around a lone
    "m", "Übergangsbestimmungen" around a lone "g" and "Mobilitätsstationen" around a lone "s";
    either side may be the right one, so neither break is made (the others stay)."""
    assert hyphenate_word("Sozialraumanalysebericht").split(SHY) == ["Sozi", "al", "raumana", "ly", "se", "be", "richt"]
    assert hyphenate_word("Übergangsbestimmungen").split(SHY)[0] == "Übergangs"
    assert "tätssta" in hyphenate_word("Mobilitätsstationen").split(SHY)
    assert "darfspla" in hyphenate_word("Pflegebedarfsplanungsverordnung").split(SHY)
    assert hyphenate_word("Kreisentwicklungskonzept").split(SHY) == ["Kreis", "ent", "wick", "lungs", "kon", "zept"]
    for word in ("Übergangsbestimmungen", "Sozialraumanalysebericht", "Schifffahrtsgesellschaft"):
        assert hyphenate_word(word).replace(SHY, "") == word  # nothing lost
