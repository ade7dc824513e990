"""Form data that completes each step, shared by the view and browser tests."""

from __future__ import annotations

from typing import Any

# What a runner types on each step, as the browser would post it.
STEP_POSTS: dict[str, dict[str, Any]] = {
    "safety": {"bladder_bowel_saddle": "no", "sudden_weakness": "no", "acute_limb": "no"},
    "about": {
        "age": "34",
        "running_years": "12",
        "weekly_distance": "50",
        "distance_unit": "km",
        "onset_age": "29",
        "side": "right",
        "onset_activity": "running",
    },
    "symptoms": {
        "sensations": ["tightness", "weakness"],
        "coordination_loss": "always",
        "context": "only_running",
        "regions": ["glutes", "hamstrings"],
        "first_region": "hip_thigh",
    },
    "exclusions": {
        "numbness": "no",
        "tingling": "no",
        "burning": "no",
        "shooting_pain": "no",
        "localized_pain": "no",
        "pain_level": "1",
        "pain_before": "no",
        "weakness_daily": "no",
    },
    "triggers": {"tricks": ["backwards", "trails"]},
    "course": {"walking": "none", "rest_tremor": "no"},
    "care": {"exam_ortho": "nothing_found", "exam_neuro": "normal", "prior_diagnosis": "none"},
    "limits": {"worst_easy_road": "limited", "typical_easy_road": "no_limit"},
    "narrative": {"own_words": "My right leg <b>flops</b> after 5 km."},
}

# The answers the posts above must produce (weekly distance in km).
EXPECTED_ANSWERS: dict[str, Any] = {
    "bladder_bowel_saddle": "no",
    "sudden_weakness": "no",
    "acute_limb": "no",
    "age": 34,
    "running_years": 12,
    "weekly_km": 50,
    "onset_age": 29,
    "side": "right",
    "onset_activity": "running",
    "sensations": ["tightness", "weakness"],
    "coordination_loss": "always",
    "context": "only_running",
    "regions": ["glutes", "hamstrings"],
    "first_region": "hip_thigh",
    "numbness": "no",
    "tingling": "no",
    "burning": "no",
    "shooting_pain": "no",
    "localized_pain": "no",
    "pain_level": 1,
    "pain_before": "no",
    "weakness_daily": "no",
    "tricks": ["backwards", "trails"],
    "walking": "none",
    "rest_tremor": "no",
    "exam_ortho": "nothing_found",
    "exam_neuro": "normal",
    "prior_diagnosis": "none",
    "worst_easy_road": "limited",
    "typical_easy_road": "no_limit",
    "own_words": "My right leg <b>flops</b> after 5 km.",
}


def code_of(client) -> str:
    """The resume code, as the runner's browser holds it (a signed cookie)."""
    from django.test import RequestFactory

    from web.runner_cookies import CODE_COOKIE, CODE_COOKIE_SALT

    request = RequestFactory().get(
        "/", HTTP_COOKIE=f"{CODE_COOKIE}={client.cookies[CODE_COOKIE].value}"
    )
    return request.get_signed_cookie(CODE_COOKIE, salt=CODE_COOKIE_SALT)


def link_browser(client, submission) -> str:
    """Give ``client`` the resume code of a stored submission, as a finished journey would.

    The submission gets a fresh code's hash, and the client the signed cookie
    that the server sets (the same signer and salt as ``set_signed_cookie``).
    """
    from django.core.signing import get_cookie_signer

    from runner import journey
    from screening import access
    from web.runner_cookies import CODE_COOKIE, CODE_COOKIE_SALT

    code = journey.new_code()
    submission.code_hash = access.hash_code(code)
    submission.save(update_fields=["code_hash"])
    client.cookies[CODE_COOKIE] = get_cookie_signer(salt=CODE_COOKIE + CODE_COOKIE_SALT).sign(code)
    return code


def complete_steps(client, until: str | None = None) -> None:
    """Post every step's sample answers in order, stopping before ``until``."""
    for step_id, data in STEP_POSTS.items():
        if step_id == until:
            return
        response = client.post(f"/step/{step_id}/", data)
        assert response.status_code == 302, (step_id, response.content[:2000])
