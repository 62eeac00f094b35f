"""Time words of other languages are put in English before a reply is read, one example per rule.

Each rule of `_FOREIGN_TIME_WORDS` is tried only on a text that holds one of its own words (and
only when `_foreign_time_look` finds one of any rule's): an example here that stops changing means
a rule and its words have drifted apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge.inbound.times import (
    _FOREIGN_TIME_LOOK_WORDS,
    _FOREIGN_TIME_WORDS,
    MONTHS,
    _foreign_time_look,
    _words_of,
    normalize,
)
from tests.conversation.harness import load_cases

CONVERSATION = Path(__file__).resolve().parents[1] / "conversation"


#: One example of each rule: (written, read).
EXAMPLES = [
    ("Sexta às 13h no meu horário?", "Friday at 13:00 my time?"),
    ("Können wir um eine Stunde nach hinten verschieben?", "Können wir an hour later reschedule?"),
    ("Mittwoch um halb 3?", "Wednesday at 2:30?"),
    ("Donderdag om half 4?", "Thursday at 3:30?"),
    ("El jueves por la mañana a las 9", "El Thursday in the morning at 9"),
    ("Por la tarde mejor", "in the afternoon mejor"),
    ("Rabu jam 7 pagi bisa?", "Wednesday at 7am bisa?"),
    ("Kamis jam 10?", "Thursday at 10?"),
    ("Pode ser quinta às 10h?", "Pode ser Thursday at 10:00?"),
    ("Donnerstag um 14 Uhr", "Thursday at 14:00"),
    ("a las 5 de la tarde", "at 5pm"),
    ("Morgen früh um 9?", "tomorrow at 9am?"),  # its part of the day then the hour's am
    ("Amanhã às 9h pode ser?", "tomorrow at 9:00 pode ser?"),
    ("hoy a las 3", "today at 3"),
    ("la semana que viene", "next week"),
    ("terça-feira, dia 15", "Tuesday, the 15th"),
    ("a la misma hora", "same time"),
    ("Tengo que cancelar la reunión", "Tengo que cancel la reunión"),
    ("¿Podemos cambiar la reunión?", "Podemos reschedule la reunión?"),
    ("Cuma günü saat 14:00", "Friday günü at 14:00"),
    ("Czy pasuje wtorek o 15:00?", "Czy pasuje Tuesday at 15:00?"),
    ("giovedì alle 18", "Thursday at 18"),
    ("Leider kann ich da nicht.", "Leider can't make it."),
    ("Prefiero la segunda opción, gracias.", "Prefiero the second option, gracias."),
    ("Dienstag geht leider nicht, aber Mittwoch um 10?", "Tuesday can't make it, but Wednesday at 10?"),
    ("Je suis dispo jeudi après-midi", "I'm free Thursday afternoon"),
    ("Giovedì pomeriggio sono libera.", "Thursday afternoon I'm free."),
    ("Posso na quinta de manhã", "I can do na Thursday morning"),
    ("Donderdagmiddag kan ik", "Thursday afternoon I can do"),
    ("Mittwochabend passt mir.", "Wednesday evening works for me."),
    ("La semana que viene por la tarde me viene bien", "next week in the afternoon works for me"),
    ("Ich kann Donnerstag nachmittag", "I can do Thursday afternoon"),
    ("Posso mudar para quinta no mesmo horário?", "Posso reschedule para Thursday same time?"),
    # (moving house is no move of the meeting; "na terça", a day put by "na", is Tuesday)
    ("Vou mudar para Lisboa na terça", "Vou mudar para Lisboa na Tuesday"),
    ("Prefiro a segunda opção", "Prefiro the second option"),  # (not Monday)
    ("El martes tampoco me viene bien.", "El Tuesday can't make it."),
    ("Passt dir Dienstag?", "Passt dir Tuesday?"),
    ("Estoy libre el martes pero no a las 3.", "Estoy libre el Tuesday pero no at 3."),
    ("El martes me va a ser imposible.", "El Tuesday me va a ser imposible."),
    ("¿Otro día de esta semana?", "another day this week?"),
    ("Cualquier día a partir de las 17 me sirve.", "any day after 17 works for me."),
    ("Ab 17 Uhr kann ich jeden Tag.", "after 17:00 I can do any day."),
    ("Dienstag passt mir leider nicht", "Tuesday passt mir leider nicht"),
    ("Ça ne me va pas", "Ça can't make it"),
    ("Mardi 15h, ça marche !", "Tuesday 15:00, works for me !"),
    ("Oui mardi à 15h c'est parfait.", "Oui Tuesday à 15:00 works for me."),
    ("Non, mardi ce n'est pas bon", "Non, Tuesday can't make it"),
    ("Con media hora nos alcanza.", "Con half an hour nos alcanza."),
    ("Mittwoch um 17 Uhr für eine Stunde?", "Wednesday at 17:00 for an hour?"),
    ("Beide opties zijn prima voor mij.", "either works voor mij."),
    ("Aucune des deux ne me convient.", "none of those ne works for me."),
    ("Cualquiera de las dos me sirve.", "either works."),
    ("Bitte alle weiteren Termine absagen.", "Bitte all future meetings cancel."),
    ("On se voit tous les quinze jours ?", "On se voit every other week ?"),
    ("Jeden Montag um 9 Uhr?", "every Monday at 9:00?"),
    ("todos los lunes a las 8, empezando el 14", "every Monday at 8, starting the 14th"),
    ("Todos los lunes tengo clase", "Todos los Monday tengo clase"),
    ("Infelizmente não consigo nesse horário", "Infelizmente can't make it nesse horário"),
    ("Am Dienstag klappt es bei mir leider nicht mehr.", "Am Tuesday can't make it."),
    ("Können wir auf Mittwoch ausweichen?", "Können wir auf Wednesday reschedule?"),
    ("Das klappt!", "Das works for me!"),
    ("Podemos fazer toda terça às 19h?", "Podemos fazer every Tuesday at 19:00?"),
    ("Cada lunes a las 9", "every Monday at 9"),
    ("ik werk tot 17:00, dus dinsdag om 17:30?", "ik werk tot 17:00, so Tuesday at 17:30?"),
    ("Prima voor Maya, maar voor mij niet.", "Prima voor Maya, can't make it."),
    ("Mittwoch von 12:30 bis 13:15?", "Wednesday 12:30-13:15?"),
    ("mercredi de 12h30 à 13h15 ?", "Wednesday 12:30-13:15 ?"),
    (
        "El jueves me viene mejor, que el miércoles tengo clase.",
        "El Thursday me viene mejor, as on Wednesday I have a clase.",
    ),
    ("¿Podemos el jueves a las 10 en vez del viernes?", "Podemos el Thursday at 10 instead of Friday?"),
    ("Donnerstag um 10 stattdessen?", "Thursday at 10 instead?"),
    ("Perşembe saat 10 Cuma yerine olabilir mi?", "Thursday at 10 instead of Friday olabilir mi?"),
    ("Oui, le deuxième", "Yes, the second option"),
    ("Der zweite Termin passt", "the second option works for me"),
    # what a rule reads beside its own words, once the reply is found in another language
    ("Hoy works for Maya but for me not.", "Hoy works for Maya can't make it."),
    ("Demain, le second créneau est mieux.", "tomorrow, the second option est mieux."),
    # a Turkish capital İ, which lowers to two characters
    ("İptal etmek istiyorum, yarın saat 3", "cancel istiyorum, tomorrow at 3"),
    ("A la 1 nos vemos", "at 1 nos vemos"),
    ("Ich könnte Donnerstag um halb fünf", "I can do Thursday at 4:30"),
    ("Quiero proponer el viernes 11 a las 9:00", "I propose el Friday 11 at 9:00"),
    ("Perşembe toplantısını iptal edelim mi?", "Thursday toplantısını cancel mi?"),
]


@pytest.mark.parametrize(("written", "read"), EXAMPLES)
def test_time_words_of_other_languages_are_put_in_english(written: str, read: str) -> None:
    assert normalize(written) == read


def test_each_rule_is_tried_wherever_it_would_change_the_text() -> None:
    """A rule is tried only on a text holding one of its words (or what else names it): every text
    its pattern finds something in must hold it. Checked over the examples here and every reply of
    the case tables, as written and in lower case."""
    texts = [written for written, _read in EXAMPLES] + [
        case["text"] for table in ("cases.yaml", "heldout.yaml") for case in load_cases(CONVERSATION / table)
    ]
    missed = [
        (rule.pattern.pattern[:40], text)
        for text in texts + [text.lower() for text in texts]
        for rule in _FOREIGN_TIME_WORDS
        if rule.pattern.search(text) and not rule.wanted(text.lower(), _words_of(text.lower()))
    ]
    assert not missed


@pytest.mark.parametrize(
    "english",
    [
        "Um, could we do Tuesday at 3?",
        "The reporter asked about our program.",
        "Our mover is coming at 3.",
        "My shoulder is sore after the gym.",
        "Dinner at Quinta at 7 Tuesday?",
        "Can Ms Morgen join at 3pm?",
        "Hoy! Could we do 4pm?",
        "I'm stuck in a traffic jam, 10 min late.",
        "Thanks, ma'am, that works.",
        "Option 2 is the second option I'd pick.",
        "Que sera, sera.",
        "I walked past me old school on Tuesday.",
        "Tuesday Sera can join us.",
        "The ab 3 workout is tough.",
    ],
)
def test_english_that_shares_those_words_is_left_as_written(english: str) -> None:
    assert normalize(english) == english


@pytest.mark.parametrize("word", sorted(_FOREIGN_TIME_LOOK_WORDS))
def test_each_look_word_is_found_beside_other_words(word: str) -> None:
    assert _foreign_time_look(f"Ok, {word.capitalize()} 10? Thanks!")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("On peut annuler?", True),
        ("Czy pasuje wtorek o 15:00?", True),
        ("Não dá pra mim", True),
        ("Le 15 après-midi", True),
        ("Could we meet Tuesday at 3pm? See you at 3 o'clock.", False),
        ("Thanks for the intro, Maria! Happy to meet next week.", False),
        ("Running 10 minutes late, sorry", False),
    ],
)
def test_the_look_finds_what_no_single_word_says_and_not_english(text: str, found: bool) -> None:
    assert _foreign_time_look(text) is found


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Können wir uns am 10. Dezember um 15 Uhr?", "Können wir uns am 10 December at 15:00?"),
        ("¿Podemos vernos el 10 de diciembre a las 15:00?", "Podemos vernos el 10 December at 15:00?"),
        ("On peut se voir le 10 décembre à 15h ?", "On peut se voir le 10 December à 15:00 ?"),
        ("10 grudnia o 15:00", "10 December at 15:00"),
        ("Anfang Januar", "early January"),
        ("Wie wäre es mit Mitte Januar?", "Wie wäre es mit mid January?"),
        ("a principios de enero", "a early January"),
        ("à la mi-janvier", "à la mid January"),
        ("fine di gennaio", "late January"),
        ("im Januar", "in January"),
        ("w styczniu", "in January"),
    ],
)
def test_months_of_other_languages_are_read_with_a_day_or_a_part_of_month(written: str, read: str) -> None:
    assert normalize(written) == read


@pytest.mark.parametrize(
    "english",
    [
        "A Mars bar at 3pm?",
        "Fine. Mid-week in December works.",
        "Mai can join at 3pm.",
        "Fine in June.",
        "Tuesday at 3 may be tricky.",
        "Fine may I bring a friend?",
    ],
)
def test_english_beside_those_month_words_is_left_as_written(english: str) -> None:
    assert normalize(english) == english


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Could we meet Thursday 10.12 at 3pm?", "Could we meet Thursday 10 December at 3pm?"),
        ("10.12 um 15 Uhr", "10 December at 15:00"),
        ("Meet 1.12 at 14.30?", "Meet 1 December at 14:30?"),
        # a time, a list of times, a version, a figure: as before
        ("Tuesday 10.30 at the office", "Tuesday 10:30 at the office"),
        ("9.10 or 9.40?", "9:10 or 9:40?"),
        ("3.5 at 4pm", "3.5 at 4pm"),
    ],
)
def test_a_day_and_month_with_a_dot_before_a_time_is_a_date(written: str, read: str) -> None:
    assert normalize(written) == read


@pytest.mark.parametrize(
    "written", ["version 2.10 at 3pm", "release 1.12 at 10am", "the 9.10 slot on Tuesday"]
)
def test_a_version_or_a_slot_before_a_time_is_no_date(written: str) -> None:
    assert not any(month.title() in normalize(written) for month in MONTHS)
