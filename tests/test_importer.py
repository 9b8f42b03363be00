"""Splitting a mixed-language document: tables of documents → blocks and languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.config import load_book
from reader.errors import ConfigError, InputError, TextError
from reader.text.importer import (
    LanguageNeeded,
    draft_toml,
    guess_language,
    import_document,
    split_document,
    write_book,
)

# The project's seed document lives beside the repository, in shared/seeds/.
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_966712f246101d19.txt"
needs_seed = pytest.mark.skipif(not SEED.exists(), reason=f"the seed document {SEED} is absent")

KK_LONG = "Ұзақ уақыт бойы кедейлерді сүйемелдеу, өркендету қызметі мәселесіне тап болып келді."
RU_LONG = "Долгое время работа по оказанию помощи бедным сталкивалась с проблемой последней мили."
ZH = "长期以来,扶贫开发工作就受困于“最后一公里”的问题。"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (KK_LONG, "kk"),
        ("Бас бет> КЕДЕЙЛІКТЕН ДӘЛМЕ-ДӘЛ АРЫЛТУ", "kk"),  # upper-case Kazakh letters count
        (RU_LONG, "ru"),
        ("Главная страница", None),  # too short to call Russian: no Kazakh letter proves little
        (ZH, "zh"),
        ("“最后一公里”", "zh"),
        ("ひらがなと漢字", "ja"),
        ("한국어 문장", "ko"),
        ("The last mile", "latin"),
        ("08-01-2021 | 2019", None),
        ("", None),
    ],
)
def test_guess_language(text: str, lang: str | None) -> None:
    assert guess_language(text)[0] == lang


def langs(text: str, **kwargs: str) -> list[tuple[int, str, str]]:
    split = split_document(text, **kwargs)
    return [(b.line, b.lang, b.text) for b in split.blocks]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # one language after the other
        (f"{KK_LONG}\n\nЕкінші абзац.\n\n\n{ZH}\n\n第二段。",
         [(1, "kk", KK_LONG), (3, "kk", "Екінші абзац."), (6, "zh", ZH), (8, "zh", "第二段。")]),
        # interleaved paragraph by paragraph
        ("Бірінші абзац.\n\n第一段。\n\nЕкінші абзац.\n\n第二段。",
         [(1, "kk", "Бірінші абзац."), (3, "zh", "第一段。"), (5, "kk", "Екінші абзац."),
          (7, "zh", "第二段。")]),
        # interleaved line by line inside one block
        ("Бірінші абзац.\n第一段。\nЕкінші абзац.\n第二段。",
         [(1, "kk", "Бірінші абзац."), (2, "zh", "第一段。"), (3, "kk", "Екінші абзац."),
          (4, "zh", "第二段。")]),
        # a paragraph wrapped over lines stays one block
        ("Бірінші\nабзац.\n\n第一\n段。",
         [(1, "kk", "Бірінші\nабзац."), (4, "zh", "第一\n段。")]),
        # a source line in Latin letters and a date follow the block before
        (f"{KK_LONG}\n\n08-01-2021 | russian.china.org.cn\n\n{ZH}\n\n2021年",
         [(1, "kk", KK_LONG), (3, "kk", "08-01-2021 | russian.china.org.cn"),
          (5, "zh", ZH), (7, "zh", "2021年")]),
        # …and a date opening the document follows the block after
        ("2021\n\nБірінші абзац.\n\n第一段。",
         [(1, "kk", "2021"), (3, "kk", "Бірінші абзац."), (5, "zh", "第一段。")]),
        # short Cyrillic without Kazakh letters follows its Cyrillic neighbour, not the nearest
        (f"第一段。\n\nБас бет\n\n{KK_LONG}",
         [(1, "zh", "第一段。"), (3, "kk", "Бас бет"), (5, "kk", KK_LONG)]),
        # Russian against Chinese
        (f"{RU_LONG}\n\nГлавная\n\n{ZH}",
         [(1, "ru", RU_LONG), (3, "ru", "Главная"), (5, "zh", ZH)]),
        # trailing spaces go, the text is otherwise kept as written
        ("Бір,  екі.   \n\n一 ,二。  ", [(1, "kk", "Бір,  екі."), (3, "zh", "一 ,二。")]),
    ],
)
def test_split_document(text: str, expected: list[tuple[int, str, str]]) -> None:
    assert langs(text) == expected


def test_latin_needs_a_language_and_takes_one() -> None:
    text = "The last mile.\n\n最后一公里。\n\nThe first step.\n\n第一步。"
    with pytest.raises(LanguageNeeded) as caught:
        split_document(text, source="doc.txt")
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith("doc.txt:1: Latin-script text")
    assert "--lang" in str(caught.value)
    assert [b.lang for b in split_document(text, latin="en").blocks] == ["en", "zh", "en", "zh"]
    with pytest.raises(ConfigError, match="--lang EN!"):
        split_document(text, latin="EN!")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Бірінші абзац.\n\nЕкінші абзац.", "exactly two languages, found 1: kk (2 blocks"),
        (f"{KK_LONG}\n\n{RU_LONG}\n\n{ZH}", "found 3: kk (1 blocks, first at line 1), ru"),
        ("", "found 0: none"),
        ("2021\n\n---", "cannot tell the language of '2021'"),
    ],
)
def test_split_refuses_what_is_not_two_languages(text: str, message: str) -> None:
    with pytest.raises(TextError, match=message.replace("(", r"\(").replace(")", r"\)")):
        split_document(text, source="doc.txt")


@needs_seed
def test_the_seed_splits_into_its_kazakh_and_chinese_halves() -> None:
    split = import_document(SEED)
    assert split.order == ("kk", "zh")
    assert (split.count("kk"), split.count("zh")) == (7, 4)
    assert [b.line for b in split.blocks] == [1, 3, 5, 7, 9, 11, 13, 16, 18, 20, 22]
    date = split.blocks[3]
    assert date.text == "08-01-2021 | russian.china.org.cn"
    assert "follows the block before" in date.reason
    assert split.text("zh").startswith("“最后一公里”\n\n“最后一公里”原指")
    assert split.text("kk").endswith("\n") and " \n" not in split.text("kk")


@needs_seed
def test_draft_toml_loads_with_guessed_titles(tmp_path: Path) -> None:
    split = import_document(SEED)
    text = draft_toml(split, SEED.name)
    assert 'unpaired = "skip"' in text and "kk 7, zh 4" in text
    paths = write_book(split, tmp_path / "seed", source=SEED.name)
    assert [p.name for p in paths] == ["kk.txt", "zh.txt", "book.toml"]
    book = load_book(tmp_path / "seed")
    assert book.order == ("kk", "zh")
    assert dict(book.titles) == {"kk": "ЕҢ СОҢҒЫ БІР ШАҚЫРЫМ", "zh": "最后一公里"}
    assert book.unpaired == "skip"


def test_write_book_refuses_an_existing_book_without_force(tmp_path: Path) -> None:
    split = split_document("Бір.\n\n一。")
    folder = tmp_path / "b"
    write_book(split, folder, source="doc.txt")
    (folder / "alignment.toml").write_text("format = 1\n", encoding="utf-8")
    (folder / "kk.txt").write_text("Өзгертілген.\n", encoding="utf-8")
    with pytest.raises(InputError, match="already holds kk.txt, zh.txt, book.toml; pass --force"):
        write_book(split, folder, source="doc.txt")
    assert (folder / "kk.txt").read_text(encoding="utf-8") == "Өзгертілген.\n"
    write_book(split, folder, source="doc.txt", force=True)
    assert (folder / "kk.txt").read_text(encoding="utf-8") == "Бір.\n"
    assert not (folder / "alignment.toml").exists()  # it recorded the old texts


def test_write_book_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "b").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="not a folder"):
        write_book(split_document("Бір.\n\n一。"), tmp_path / "b", source="doc.txt")
