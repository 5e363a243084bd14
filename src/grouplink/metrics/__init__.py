"""Prometheus metrics: ``GET /metrics`` on the server, ``--metrics-port`` on a worker.

- :mod:`.meters`: every figure counted in a process, defined once;
- :mod:`.traffic`: one observation per request (:mod:`grouplink.http` calls it);
- :mod:`.pool`: the database pool, per process; :mod:`.actions`: joins, join
  requests and resets, from committed writes; the webhook deliveries are counted
  by the dispatcher;
- :mod:`.readings`: what a scrape reads from the database (the outbox backlog);
- :mod:`.folder`: prometheus_client's multiprocess folder for ``serve --workers N``;
- :mod:`.exposition`, :mod:`.access`, :mod:`.endpoint`, :mod:`.worker_door`: the
  answer, who may have it, and the two doors that give it.
"""
