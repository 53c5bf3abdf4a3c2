"""Orders in the back office.

Saving imported versions, actions and the acceptance policy, deadlines, queries, import settings,
reservations, sync events, carriers and cancellation reasons.
"""
