"""The sync engine's "when and where": the scheduler, the job functions and the two runtimes.

- ``functions.run_stream`` with a ``JobRequest``: the job, the same in every runtime;
- ``environment.JobEnvironment``: what jobs need (settings, database, clock, streams, policy);
- ``scheduler.Scheduler``: which streams are due, each queued at most once;
- ``embedded.EmbeddedRuntime``: scheduler + thread pool inside ``cdlink serve``;
- ``distributed``: the Dramatiq actor, ``Worker`` and the leader-elected ``SchedulerLoop``
  behind ``cdlink worker`` and ``cdlink scheduler``; ``leader.LeaderLock`` (Redis).
"""
