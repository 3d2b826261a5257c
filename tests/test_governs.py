"""A policy question the policy does not govern declines and names the related articles.

The rule (answer/governs.py) was written for 专利收费减缴办法 (fresh-2026-12: 专利代理费 is in none of
its articles). It is tested here on 《高新技术企业认定管理办法》 (bulletins-policies), for which it was
not written: a figure question that names the policy and asks about a matter none of its articles
speaks of declines; one whose matter an article states is answered with that article's figure.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT

POLICY = (
    PROJECT_ROOT.parent
    / "shared"
    / "corpora"
    / "bulletins-policies"
    / "KXTcompany_demo__gaoxin_qiye_rending_guanli_banfa_2016.html"
)
pytestmark = pytest.mark.skipif(not POLICY.exists(), reason="../shared/corpora is not beside the project")


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):  # type: ignore[no-untyped-def]
    from assistant.answer.chain import Answerer
    from assistant.ingest.pipeline import ingest
    from assistant.settings import Settings

    folder = tmp_path_factory.mktemp("policy")
    shutil.copy(POLICY, folder / POLICY.name)
    settings = Settings(data_dir=data_dir, index_dir=tmp_path_factory.mktemp("index"), knowledge_dir=folder)
    assert not ingest(settings, [folder], progress=False).failed
    return Answerer(settings, backend="extractive")


def test_a_matter_no_article_speaks_of_is_declined_with_related_articles(answerer) -> None:  # type: ignore[no-untyped-def]
    """高新技术企业 here names the policy, not an indicator asked for; 减免额 is in no article."""
    answer = answerer.ask("高新技术企业认定管理办法规定的企业所得税减免额是多少？")
    assert answer.refused, answer.answer
    assert "没有关于“减免额”的规定" in answer.answer and "不是对所问事项的规定" in answer.answer
    assert "《高新技术企业认定管理办法》" in answer.answer


def test_the_matter_of_the_fresh_question_is_declined_here_too(answerer) -> None:  # type: ignore[no-untyped-def]
    answer = answerer.ask("《高新技术企业认定管理办法》对专利代理费补贴多少？")
    assert answer.refused and not answer.citations, answer.answer


def test_a_matter_an_article_states_is_answered_with_its_figure(answerer) -> None:  # type: ignore[no-untyped-def]
    answer = answerer.ask("高新技术企业认定管理办法规定科技人员占企业职工总数的比例不低于多少？")
    assert not answer.refused and "10%" in answer.answer, answer.answer
