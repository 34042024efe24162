"""Soft hyphens in long German words and break opportunities in long addresses: text only."""

from __future__ import annotations

from generator.hyphenation import SHY, WBR, hyphenate_html, hyphenate_text


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
