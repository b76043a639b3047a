"""/metrics for Prometheus: the figures of the health page, computed at each scrape from the database and Redis.

Nothing is counted in the web processes, so it answers the same from any of gunicorn's processes with no
multiprocess mode: each scrape runs grader/grading/health.py check() through a Collector of its own.

Who may read it: with AUTOGRADER_METRICS_TOKEN set, whoever sends 'Authorization: Bearer <token>'. Without a
token, only requests that came straight from this host, and it fails closed: with AUTOGRADER_HTTPS the site is
behind a proxy, whose every request may look local (a proxy that sends no X-Forwarded-For leaves 127.0.0.1), so
nobody is let in without a token; a request carrying any header a proxy adds (X-Forwarded-*, X-Real-IP,
Forwarded) came through one and is refused too. Under docker compose requests from the host come from the
bridge network's gateway, not the loopback: a token is needed there as well.
"""

import hmac
import ipaddress
from collections.abc import Iterator

from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from grader.grading.health import QUANTILES, Health, check
from web.context import services, settings

bp = Blueprint("metrics", __name__)

PREFIX = "autograder_"
"""Start of every metric's name."""

PROXY_HEADERS = ("forwarded", "x-real-ip")
"""Headers (besides every X-Forwarded-*) that say a request came through a proxy."""


@bp.get("/metrics")
def metrics() -> Response:
    """The figures of grading in Prometheus's text format, for a scraper allowed to read them."""
    refusal = _refusal()
    if refusal is not None:
        return refusal
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthCollector(check(services().sessions, settings())))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class HealthCollector(Collector):
    """The metrics of one health check."""

    def __init__(self, health: Health) -> None:
        self.health = health

    def collect(self) -> Iterator[Metric]:
        """Every metric, from the check: a part that could not be read gives its up gauge 0 and no figures."""
        health = self.health
        up = GaugeMetricFamily(PREFIX + "up", "Whether each part could be read (1) or not (0).", labels=["part"])
        up.add_metric(["database"], 1 if health.database_up else 0)
        up.add_metric(["redis"], 1 if health.redis_up else 0)
        yield up
        yield from _sandbox_info(health)
        if health.redis_up:
            yield from _redis_metrics(health)
        if health.database_up:
            yield from _database_metrics(health)


def _sandbox_info(health: Health) -> Iterator[Metric]:
    info = InfoMetricFamily(PREFIX + "sandbox", "The sandbox image and runtime the site's settings name.")
    info.add_metric([], {"image": health.image, "runtime": health.runtime or "default"})
    yield info


def _redis_metrics(health: Health) -> Iterator[Metric]:
    depth = GaugeMetricFamily(
        PREFIX + "queue_depth", "Grading jobs waiting in line in Redis, per queue.", labels=["queue"]
    )
    held = GaugeMetricFamily(
        PREFIX + "queue_held_back", "Grading jobs held back after a failed try, per queue.", labels=["queue"]
    )
    for line in health.lines:
        depth.add_metric([line.kind], line.waiting)
        held.add_metric([line.kind], line.held_back)
    yield depth
    yield held
    alive = GaugeMetricFamily(
        PREFIX + "workers_alive",
        "Grading workers alive, by host and the Docker endpoint and daemon they use.",
        labels=["host", "docker_endpoint", "docker_id"],
    )
    counts: dict[tuple[str, str, str], int] = {}
    for worker in health.workers:
        key = (worker.host, worker.sandboxes.docker_endpoint, worker.sandboxes.docker_id)
        counts[key] = counts.get(key, 0) + 1
    for labels, count in sorted(counts.items()):
        alive.add_metric(list(labels), count)
    yield alive
    yield GaugeMetricFamily(PREFIX + "workers_alive_total", "Grading workers alive in all.", value=len(health.workers))


def _database_metrics(health: Health) -> Iterator[Metric]:
    waiting = GaugeMetricFamily(
        PREFIX + "submissions", "Submissions waiting for a worker or being graded, per status.", labels=["status"]
    )
    waiting.add_metric(["queued"], health.queued)
    waiting.add_metric(["running"], health.running)
    yield waiting
    yield GaugeMetricFamily(
        PREFIX + "oldest_waiting_seconds",
        "Seconds the oldest submission waiting for a worker has waited (0 when none waits).",
        value=health.oldest_wait_seconds or 0.0,
    )
    yield GaugeMetricFamily(
        PREFIX + "graded_last_hour",
        "Submissions whose verdict was stored in the last hour.",
        value=health.graded_recently,
    )
    for phase, durations, text in (
        ("wait", health.wait, "from being queued to a worker claiming it"),
        ("run", health.run, "from a worker claiming it to the end of its sandbox run"),
    ):
        gauge = GaugeMetricFamily(
            PREFIX + f"{phase}_seconds_last_hour",
            f"Seconds {text}, percentiles over the submissions graded in the last hour (absent when none).",
            labels=["quantile"],
        )
        for quantile in QUANTILES:
            if quantile in durations.percentiles:
                gauge.add_metric([str(quantile)], durations.percentiles[quantile])
        yield gauge
    yield CounterMetricFamily(
        PREFIX + "infrastructure_failures",
        "Verdicts 'infrastructure' stored: submissions the grader gave up on after every try of its own failed.",
        value=health.infrastructure_total,
    )
    recent = GaugeMetricFamily(
        PREFIX + "infrastructure_failures_recent",
        "Infrastructure failures within the last hour or day.",
        labels=["window"],
    )
    recent.add_metric(["1h"], health.infrastructure_recent)
    recent.add_metric(["24h"], health.infrastructure_day)
    yield recent


def _refusal() -> Response | None:
    """A 401 or 403 for a request that may not read the metrics; None when it may."""
    token = settings().metrics_token
    if token:
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        # Compared as bytes, in constant time: a token with characters outside ASCII is refused, not a crash.
        if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
            return None
        return Response(
            "Send 'Authorization: Bearer <AUTOGRADER_METRICS_TOKEN>'.\n", 401, {"WWW-Authenticate": "Bearer"}
        )
    if settings().https:
        return Response(
            "Behind a proxy (AUTOGRADER_HTTPS), /metrics answers only with AUTOGRADER_METRICS_TOKEN set.\n", 403
        )
    if _through_a_proxy():
        return Response("Through a proxy, /metrics answers only with AUTOGRADER_METRICS_TOKEN set.\n", 403)
    if _from_loopback(request.remote_addr):
        return None
    return Response("Without AUTOGRADER_METRICS_TOKEN, /metrics answers only this host itself.\n", 403)


def _through_a_proxy() -> bool:
    """Whether the request carries a header a proxy adds."""
    return any(
        name.lower() in PROXY_HEADERS or name.lower().startswith("x-forwarded-") for name, _ in request.headers.items()
    )


def _from_loopback(address: str | None) -> bool:
    """Whether the address is this host's loopback, also as an IPv4 address mapped in IPv6 (gunicorn on [::])."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback
