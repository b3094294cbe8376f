"""The official-relation step: a (post, Department post) pair is agrees, contradicts,
distorts, debunks, pending or unrelated, learned from the scenario pairs, with the reason
naming the difference; "pending" is never evidence of falsehood."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from rumordesk.classify.persist import ModelError, load_model, read_sidecar
from rumordesk.classify.rank import (
    PENDING_CEILING_LOGIT,
    OfficialInput,
    PostInput,
    Ranker,
    in_words,
    shipped_relations,
    story_score,
)
from rumordesk.classify.relation import (
    AGAINST,
    BESIDE,
    KINDS,
    PAIR_FEATURES,
    RELATIONS,
    DepartmentContext,
    RelationModel,
    train_relation_model,
)
from rumordesk.classify.scenarios import ScenarioSet, shipped_kinds, shipped_scenarios
from rumordesk.classify.signals import Gazetteer
from tests.helpers.classify import classify_settings, official, post

ZONE = ZoneInfo("America/Los_Angeles")


def ranker(p: float = 0.5) -> Ranker:
    """A ranker whose text model says ``p`` for every post: the relation step decides."""
    return Ranker(lambda texts: np.full(len(texts), p), classify_settings(), ZONE)


def relate(official_text: str, official_at: str, text: str, at: str, p: float = 0.5):
    [scored] = ranker(p).rank(
        [post("p", text, when=at)], [official("o", official_text, official_at)]
    )
    return scored


# --- the Department's posts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "Officers are at the Westfield Valley Fair garage checking a report of a man with "
            "a gun. Avoid level 3 while we investigate.",
            "investigating",
        ),
        (
            "We have looked into the posts about a bomb at the Santa Clara Convention Center. "
            "They are false; there is no bomb and no threat.",
            "denial",
        ),
        (
            "The man who threatened a cashier on Scott Blvd was arrested a few blocks away. "
            "There is no ongoing threat.",
            "arrest",
        ),
        (
            "Residents of Lick Mill Blvd between Tasman and Montague: shelter in place, stay "
            "inside and away from windows.",
            "order",
        ),
        (
            "The shelter-in-place order on Lick Mill Blvd has been lifted. Residents may go "
            "outside again.",
            "order_lifted",
        ),
        (
            "Update: one woman was stabbed in the shoulder at the Caltrain platform. Her injury "
            "is not life-threatening and she is at the hospital.",
            "incident_confirmed",
        ),
        ("All clear at Santa Clara High. The incident is over and students are safe.", "all_clear"),
        (
            "Concert at Levi's Stadium tonight: expect heavy traffic on Tasman Dr and Great "
            "America Pkwy. Use light rail if you can.",
            "advisory",
        ),
    ],
)
def test_the_kind_of_a_department_post_is_read(text: str, kind: str):
    assert ranker().official_kinds([official("o", text)]) == [kind]


# --- the relation of a pair, and the difference named ----------------------------------------

DENIAL = "There was no shooting at Westfield Valley Fair. The loud bang was a falling sign."
ARREST = "The suspect in tonight's Franklin St stabbing is in custody. There is no ongoing threat."
INVESTIGATING = (
    "Police activity near Central Park Library on Homestead Rd while officers investigate. "
    "Please avoid the area."
)


def test_asserting_what_the_department_denied_contradicts_it():
    found = relate(
        DENIAL, "19:52", "SHOOTER at Valley Fair, people running, they're lying", "20:05"
    )

    assert found.relation.name == "contradicts"
    assert found.relation.difference == (
        'claims an active shooter; the Department said "no shooting" at 19:52'
    )
    assert found.probability > 0.9


def test_a_suspect_at_large_after_an_arrest_distorts_it_and_the_reason_says_so():
    found = relate(
        ARREST, "01:10", "Franklin St stabber still on the loose, wrong guy arrested", "01:30"
    )

    assert found.relation.name == "distorts"
    assert found.relation.official is not None and found.relation.official.kind == "arrest"
    assert found.relation.difference == (
        'says the wrong person was arrested; the Department said "in custody" at 01:10'
    )
    assert "twists the Department's post: says the wrong person was arrested" in " ".join(
        found.reasons
    )


def test_inflating_an_investigation_distorts_it_with_the_count_named():
    found = relate(
        "Officers are investigating police activity near Rivermark Plaza. Avoid the area.",
        "19:30",
        "Rivermark: hostage situation, 3 dead",
        "19:40",
    )

    assert found.relation.name == "distorts"
    assert found.relation.difference.startswith('says "3 dead"; the Department said')


def test_an_accurate_relay_agrees_and_a_debunk_counters_the_rumour():
    relay = relate(
        ARREST,
        "01:10",
        "SCPD: Franklin St stabbing suspect in custody, no ongoing threat.",
        "01:20",
    )
    debunk = relate(
        DENIAL,
        "19:52",
        "No, there is NO shooter at Valley Fair. SCPD says it was a falling sign. Stop sharing.",
        "20:10",
    )

    assert relay.relation.name == "agrees"
    assert debunk.relation.name == "debunks"
    assert relay.relation.difference is None and debunk.relation.difference is None
    assert relay.probability < 0.5 and debunk.probability < 0.1


def test_a_department_post_about_another_incident_has_no_bearing():
    drill = (
        "Mission College will hold an evacuation drill this morning with the Fire "
        "Department. This is a drill."
    )
    rumour = "bomb threat at Levi's Stadium, everyone is leaving"
    beside = relate(drill, "09:00", rumour, "10:00")
    [alone] = ranker().rank([post("p", rumour, when="10:00")], [])

    assert beside.relation.name in ("none", "unrelated")
    assert beside.probability == pytest.approx(alone.probability, abs=0.05)
    # Given as the pair (as in the scenario files), the step calls it unrelated.
    found = ranker().relate_pairs(
        [post("p", rumour, when="10:00")], [official("o", drill, "09:00")]
    )
    assert found == ["unrelated"]


def test_another_places_story_never_goes_against_the_department():
    found = relate(
        "There was no shooting at Levi's Stadium tonight.",
        "19:52",
        "ACTIVE SHOOTER at Valley Fair",
        "20:00",
    )

    assert found.relation.name not in AGAINST and found.relation.name != "pending"
    # and the score does not count what the rule ruled out
    assert found.relation.name != "unrelated" or all(
        found.relation.probability(name) == 0.0 for name in (*AGAINST, "pending")
    )


def test_another_places_story_scores_as_if_no_department_post_had_spoken():
    """The demo put "gunshots near Rivermark" high because the step, read against the
    Valley Fair denial, leaned to "contradicts" before the place rule set it apart."""
    text = "Heard gunshots near Rivermark Plaza, people say someone was hit"
    denial = official("o", "There was no shooting at Westfield Valley Fair tonight.", "19:52")
    [beside] = ranker().rank([post("p", text, when="20:00")], [denial])
    [alone] = ranker().rank([post("p", text, when="20:00")], [])

    assert beside.relation.name == "unrelated"
    assert beside.probability <= alone.probability + 0.1


# --- pending: never evidence of falsehood ----------------------------------------------------


@pytest.mark.parametrize(
    "report",
    [
        "Heard gunshots near Central Park library??",
        "heard what sounded like 4 or 5 shots by the Central Park library, cops just pulled up",
        "Escuché disparos cerca de la biblioteca de Central Park, ¿alguien sabe algo?",
        "센트럴파크 도서관 근처에서 총소리 들었어요. 무슨 일이에요?",
        "Central Park library ke paas goliyon ki awaaz suni, kya hua?",
    ],
)
def test_a_real_gunshot_report_beside_an_investigation_is_never_above_one_half(report: str):
    """The demo's worst failure: a staff report of gunshots next to "officers investigate"
    shown to the Chief as certain misinformation. However sure the text model is, and
    however far the report spreads, it stays at most 0.5."""
    [scored] = ranker(p=0.999).rank(
        [post("r", report, when="20:10", channel="staff_report", shares=50_000, likes=90_000)],
        [official("o", INVESTIGATING, "19:40")],
    )

    assert scored.relation.name == "pending"
    assert scored.probability <= 0.5
    assert scored.score <= 0.5
    assert story_score(scored.base_logit, 1.0) <= 0.5  # the story's score, at any spread
    assert scored.base_logit <= PENDING_CEILING_LOGIT
    assert any("unverified, not disproved" in r for r in scored.reasons)
    assert not any("%" in r or "certain" in r for r in scored.reasons)


def test_an_embellished_report_beside_an_investigation_still_distorts_it():
    [scored] = ranker(p=0.9).rank(
        [post("r", "Central Park library: 3 dead, shooter still loose, stay home", when="20:10")],
        [official("o", INVESTIGATING, "19:40")],
    )

    assert scored.relation.name == "distorts"
    assert scored.probability > 0.5


# --- which Department post a post answers ------------------------------------------------


def test_a_denial_posted_after_a_rumour_answers_it_but_a_later_arrest_does_not():
    denied = relate(DENIAL, "19:52", "SHOOTER at Valley Fair, people running", "19:45")
    arrested = relate(ARREST, "01:10", "Franklin St stabber is still on the loose", "00:55")

    assert denied.relation.name == "contradicts"
    assert arrested.relation.name == "none"  # before the arrest, "still loose" was true


def test_the_latest_post_about_the_same_place_is_the_one_answered():
    posts = ranker().rank(
        [post("p", "shooter at Valley Fair!!", when="20:30")],
        [
            official("fair", DENIAL, "19:52"),
            official(
                "drill", "Mission College evacuation drill this morning. This is a drill.", "20:20"
            ),
        ],
    )

    assert posts[0].relation.official is not None and posts[0].relation.official.id == "fair"


def test_a_department_post_without_a_time_is_always_read():
    untimed = OfficialInput("o", DENIAL, None, "website")
    [timed_post] = ranker().rank([post("p", "SHOOTER at Valley Fair", when="20:05")], [untimed])
    [bare_post] = ranker().rank([PostInput("q", "SHOOTER at Valley Fair")], [untimed])

    assert timed_post.relation.name == bare_post.relation.name == "contradicts"


def test_department_posts_outside_the_window_are_not_read():
    [scored] = ranker().rank(
        [post("p", "SHOOTER at Valley Fair", when="19:45", day="2026-11-24")],
        [official("o", DENIAL, "19:52")],
    )

    assert scored.relation.name == "none"


# --- stored with the score -------------------------------------------------------------------


def test_the_relation_is_stored_with_the_signals():
    [scored] = ranker().rank(
        [post("p", "SHOOTER at Valley Fair", when="20:05")], [official("o", DENIAL, "19:52")]
    )

    signals = json.loads(json.dumps(scored.signals()))

    assert signals["official"] == "contradicts"
    assert signals["official_post"] == "o" and signals["official_kind"] == "denial"
    assert signals["official_at"].startswith("2026-11-21T03:52")  # 19:52 Pacific, in UTC
    assert set(signals["relation_probabilities"]) == set(RELATIONS)
    assert abs(sum(signals["relation_probabilities"].values()) - 1) < 0.01
    assert signals["difference"].startswith("claims an active shooter")
    assert signals["probability_in_words"] == in_words(scored.probability)


def test_the_departments_own_post_is_stored_with_its_kind():
    [own] = ranker().rank([post("d", ARREST, author="SantaClaraPD")], [])

    assert own.department and own.signals()["department_kind"] == "arrest"
    assert own.reasons == ("the Department's own post (arrest)",)


# --- learned, and saved ------------------------------------------------------------------------


def test_the_relation_model_reads_explicit_parts_crossed_with_the_kind():
    model = ranker().relations
    assert model.pair_model_.coef_.shape == (len(RELATIONS), len(PAIR_FEATURES))
    assert model.kind_model_.coef_.shape[0] == len(KINDS)
    assert {"same_place", "other_place", "more_people", "denial×claims_harm"} <= set(PAIR_FEATURES)


def _subset(scenarios: ScenarioSet, keep: set[str]) -> ScenarioSet:
    return ScenarioSet(
        scenarios.name,
        tuple(p for p in scenarios.posts if p.scenario in keep),
        tuple(o for o in scenarios.officials if o.scenario in keep),
        scenarios.sha256 + ",".join(sorted(keep)),
    )


@pytest.mark.slow
def test_the_step_generalises_to_scenarios_it_did_not_see():
    """Out of fold on the training scenarios (whole scenarios held out): the kinds and the
    six relations. A broken feature, word list or rule drops these well below."""
    scenarios = shipped_scenarios()
    gazetteer = Gazetteer.from_settings(classify_settings())
    names = sorted({p.scenario for p in scenarios.posts} - {"none"})
    gold: list[str] = []
    found: list[str] = []
    kinds: list[bool] = []
    for train, test in GroupKFold(3).split(names, groups=names):
        model = train_relation_model(
            _subset(scenarios, {names[i] for i in train}), gazetteer, extra=shipped_kinds()
        )
        held_out = _subset(scenarios, {names[i] for i in test})
        context = DepartmentContext(model, gazetteer, timedelta(hours=24))
        context.add_all([(o.id, o.text, o.created_at) for o in held_out.officials])
        by_id = {o.id: o for o in context.posts}
        kinds += [by_id[o.id].kind == o.kind for o in held_out.officials]
        pairs = held_out.pairs()
        related = context.relate_with(
            [context.claim(p.text) for p, _ in pairs],
            [p.text for p, _ in pairs],
            [None] * len(pairs),
            [by_id[o.id] for _, o in pairs],
        )
        gold += [p.relation for p, _ in pairs]
        found += [r.name for r in related]
    assert len(gold) > 800
    assert np.mean(kinds) > 0.85
    assert f1_score(gold, found, labels=list(RELATIONS), average="macro") > 0.72
    beside = [g in BESIDE or g == "pending" for g in gold]
    said = [f in BESIDE or f == "pending" for f in found]
    assert np.mean(np.array(beside) == np.array(said)) > 0.85  # against or not


@pytest.mark.slow
def test_the_saved_relation_model_is_trained_once_then_loaded_and_checked(tmp_path):
    from rumordesk.classify.training import default_relations, relation_path
    from tests.helpers.settings import make_settings

    settings = make_settings([], classify={"model_path": str(tmp_path / "misinfo.skops")})
    first = default_relations(settings)
    path = relation_path(settings)
    assert path == tmp_path / "relation.skops" and path.is_file()
    assert read_sidecar(path)["model_version"] == first.version
    written = path.stat().st_mtime_ns
    second = default_relations(settings)
    assert path.stat().st_mtime_ns == written  # loaded, not retrained
    assert isinstance(second, RelationModel) and second.version == first.version
    with pytest.raises(ModelError, match="not a MisinfoModel"):
        load_model(path)


# --- replies under a Department post ---------------------------------------------------------


def test_a_reply_is_read_against_its_threads_post_whenever_it_was_written():
    """A reply days later, naming no place, is still an answer to the post it sits under;
    the same words posted on their own bear on nothing the Department said."""
    text = "stabber still on the loose, they arrested the wrong guy"
    under = post("r", text, when="01:30", day="2026-11-23", in_reply_to_official_id="o")
    alone = post("s", text, when="01:30", day="2026-11-23")
    arrest = official("o", ARREST, "01:10")

    [reply] = ranker().rank([under], [arrest])
    [lone] = ranker().rank([alone], [arrest])

    assert reply.relation.name == "distorts"
    assert reply.relation.official is not None and reply.relation.official.id == "o"
    assert "wrong person was arrested" in reply.relation.difference
    assert lone.relation.name == "none"


def test_a_reply_about_something_else_is_compared_as_any_other_post():
    """Under an old traffic advisory, a reply repeating a rumour the Department has since
    denied is read against the denial."""
    advisory = official(
        "a", "Expect heavy traffic on Tasman Dr after the concert at Levi's Stadium.", "18:00"
    )
    reply = post(
        "r", "SHOOTER at Valley Fair, they're lying", when="20:05", in_reply_to_official_id="a"
    )

    [scored] = ranker().rank([reply], [advisory, official("d", DENIAL, "19:52")])

    assert scored.relation.name == "contradicts"
    assert scored.relation.official is not None and scored.relation.official.id == "d"


@pytest.mark.slow
def test_the_in_memory_relation_step_is_trained_once_per_gazetteer():
    """Settings that differ in paths or windows share one model; another gazetteer gets its
    own (a test run or a dashboard opening many settings trains it once)."""
    first = shipped_relations(classify_settings(model_path="/tmp/a/misinfo.skops"))
    second = shipped_relations(classify_settings(official_window_hours=2))
    other = shipped_relations(classify_settings(city_names=["Santa Clara", "Alviso"]))

    assert first is second
    assert other is not first
