"""Competing offers on the seller's products, for ``expand=salesChannelFeedback`` (§6.3.2).

Each product gets 0 to 4 competitors, drawn from the sandbox seed and the GTIN (the same every
run). Their prices sit around a market price anchored on the seller's price the first time the
product's feedback is read, so that lowering one's price below theirs wins the best offer, as it
would on Cdiscount. The best offer is the lowest price plus shipping among all of them, the
seller's displayed (``facialPrice``) price included.
"""

from __future__ import annotations

import dataclasses
import random
from decimal import ROUND_HALF_UP, Decimal

from cdlink.sandbox.model import Offer

SELLERS = (
    (800101, "MegaDiscount"),
    (800102, "Boutique Dupont"),
    (800103, "ElectroMax"),
    (800104, "Le Comptoir Malin"),
    (800105, "PrixBas Pro"),
    (800106, "Maison & Co"),
)
CENT = Decimal("0.01")


@dataclasses.dataclass(frozen=True, slots=True)
class Competitor:
    seller_id: int
    seller_name: str
    price: Decimal
    shipping_cost: Decimal
    condition: str

    @property
    def total(self) -> Decimal:
        return self.price + self.shipping_cost


def competitors(offer: Offer, seed: int) -> list[Competitor]:
    if offer.market_price is None:
        offer.market_price = offer.price
    rng = random.Random(f"{seed}:competition:{offer.gtin}")
    count = rng.choice((0, 1, 2, 2, 3, 3, 4))
    chosen = rng.sample(SELLERS, count)
    found = []
    for seller_id, name in chosen:
        factor = Decimal(rng.randint(90, 115)) / Decimal(100)
        price = max((offer.market_price * factor).quantize(CENT, ROUND_HALF_UP), CENT)
        shipping = Decimal(rng.choice((0, 0, 0, 299, 499))) / Decimal(100)
        condition = rng.choice(("New", "New", "New", "UsedVeryGoodCondition"))
        found.append(Competitor(seller_id, name, price, shipping, condition))
    return sorted(found, key=lambda competitor: (competitor.total, competitor.seller_id))
