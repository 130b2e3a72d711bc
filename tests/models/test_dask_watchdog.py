"""A local Dask cluster left without workers ends the wait with an error, not a hang."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from motorseq.models.cohort import CohortError, as_finished


def _slow(x: float) -> float:
    time.sleep(x)
    return x


@pytest.fixture
def cluster():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=1, processes=True, threads_per_worker=1, dashboard_address=":0",
                           silence_logs=logging.ERROR)  # fmt: skip
    client = Client(cluster)
    yield client, cluster
    client.close()
    cluster.close()


def test_no_futures_need_no_client():
    assert list(as_finished(None, [], local=True)) == []  # e.g. every participant skipped


def test_every_finished_future_is_yielded_once(cluster):
    client, _ = cluster
    futures = [client.submit(_slow, 0.01 * k, pure=False) for k in range(5)]
    got = list(as_finished(client, futures, local=True, poll_s=0.1))
    assert sorted(f.result() for f in got) == [0.0, 0.01, 0.02, 0.03, 0.04]


def test_a_local_cluster_without_workers_raises_instead_of_waiting_forever(cluster):
    client, local = cluster
    quick = client.submit(_slow, 0.0, pure=False)
    slow = client.submit(_slow, 600.0, pure=False)
    start = time.monotonic()
    seen = []
    with pytest.raises(CohortError, match=r"local Dask workers are gone .* 1 task\(s\) left"):
        for future in as_finished(client, [quick, slow], local=True, grace_s=2.0, poll_s=0.1):
            seen.append(future)
            # then the workers are gone and nothing restarts them (as when their nannies die):
            # the slow task stays pending for ever
            local.scale(0)
    assert seen == [quick]  # what finished before is handed over
    assert time.monotonic() - start < 60


def test_a_remote_cluster_may_be_without_workers_for_a_while(cluster):
    client, local = cluster
    local.scale(0)
    future = client.submit(_slow, 0.0, pure=False)
    start = time.monotonic()
    later = threading.Timer(3.0, local.scale, args=(1,))  # an adaptive cluster scaling up from 0
    later.start()
    got = list(as_finished(client, [future], local=False, grace_s=0.5, poll_s=0.1))
    later.join()
    assert got == [future] and future.result() == 0.0
    assert time.monotonic() - start > 3.0  # it waited beyond grace_s for the worker
