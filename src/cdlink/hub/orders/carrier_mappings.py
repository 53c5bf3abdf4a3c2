"""Carrier mappings: the seller's carrier names → the marketplace's carrier labels, with links.

A shipment names its carrier as the seller knows it ("colissimo", "CHRONO13", "laposte"); the
marketplace wants one of its own labels (``GET /carriers``, cached by the ``carriers`` stream;
its codes are not unique, so labels are what a mapping targets). A connection's mappings start
from ``DEFAULTS`` (common French carriers, kept only when the marketplace lists their label) and
the seller's own rows, which win. ``resolve`` turns a name into a label and a tracking link, or
refuses it with the fix, before anything is recorded or sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.hub.orders.carriers import carrier_labels
from cdlink.store.models import CarrierMapping

#: Where the parcel number goes in a tracking-link template.
PLACEHOLDER = "{tracking}"
NAME_MAX, TEMPLATE_MAX = 100, 500


@dataclass(frozen=True)
class Mapping:
    name: str
    carrier_label: str
    tracking_url_template: str | None = None
    #: Whether it comes from cdlink's defaults (not saved by the seller).
    default: bool = False

    def tracking_url(self, tracking_number: str) -> str | None:
        if not self.tracking_url_template:
            return None
        return self.tracking_url_template.replace(PLACEHOLDER, tracking_number)


#: Common French carriers: the names sellers type → the marketplace's label, and tracking links.
DEFAULTS: tuple[Mapping, ...] = tuple(
    Mapping(name, label, template, default=True)
    for name, label, template in (
        (
            "colissimo",
            "Colissimo",
            "https://www.laposte.fr/outils/suivre-vos-envois?code={tracking}",
        ),
        ("la poste", "La Poste", "https://www.laposte.fr/outils/suivre-vos-envois?code={tracking}"),
        ("laposte", "La Poste", "https://www.laposte.fr/outils/suivre-vos-envois?code={tracking}"),
        (
            "lettre suivie",
            "La Poste",
            "https://www.laposte.fr/outils/suivre-vos-envois?code={tracking}",
        ),
        (
            "chronopost",
            "Chronopost",
            "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={tracking}",
        ),
        (
            "mondial relay",
            "Mondial Relay",
            "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition={tracking}",
        ),
        (
            "mondialrelay",
            "Mondial Relay",
            "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition={tracking}",
        ),
        (
            "relais colis",
            "Relais Colis",
            "https://www.relaiscolis.com/suivi-de-colis/?reference={tracking}",
        ),
        (
            "colis prive",
            "Colis Privé",
            "https://www.colisprive.fr/moncolis/pages/detailColis.aspx?numColis={tracking}",
        ),
        (
            "colis privé",
            "Colis Privé",
            "https://www.colisprive.fr/moncolis/pages/detailColis.aspx?numColis={tracking}",
        ),
        ("dpd", "DPD", "https://trace.dpd.fr/fr/trace/{tracking}"),
        ("gls", "GLS", "https://gls-group.com/FR/fr/suivi-colis?match={tracking}"),
        ("ups", "UPS", "https://www.ups.com/track?tracknum={tracking}"),
        ("dhl", "DHL", "https://www.dhl.com/fr-fr/home/suivi.html?tracking-id={tracking}"),
        (
            "tnt",
            "TNT",
            "https://www.tnt.com/express/fr_fr/site/outils-expedition/suivi.html?cons={tracking}",
        ),
        ("fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={tracking}"),
        ("geodis", "GEODIS", None),
    )
)


class CarrierMappingError(CdlinkError):
    """A carrier mapping or a carrier name a shipment uses cannot be accepted."""

    default_hint = (
        "Map the name to one of Cdiscount's carriers (Carrier mappings page, "
        "PUT /api/v1/carrier-mappings or `cdlink carriers map NAME LABEL`)."
    )


def fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def mappings(session: Session, connection_id: int) -> list[Mapping]:
    """The connection's mappings: the seller's, then the defaults whose label the marketplace lists.

    While the carriers were never read, every default is listed (the labels are checked when the
    carriers are known).
    """
    query = (
        select(CarrierMapping)
        .where(CarrierMapping.connection_id == connection_id)
        .order_by(CarrierMapping.name)
    )
    saved = [
        Mapping(row.name, row.carrier_label, row.tracking_url_template)
        for row in session.scalars(query)
    ]
    labels = carrier_labels(session, connection_id)
    names = {mapping.name for mapping in saved}
    defaults = [
        mapping
        for mapping in DEFAULTS
        if mapping.name not in names and (labels is None or mapping.carrier_label in labels)
    ]
    return saved + defaults


def replace_mappings(
    session: Session, connection_id: int, wanted: Iterable[Mapping], now: datetime
) -> list[Mapping]:
    """Replace the seller's mappings (the defaults stay underneath); returns the full list.

    Every label must be one the marketplace lists (once the carriers were read); a name may be
    mapped once; a template must be an http(s) link (``{tracking}`` marks the parcel number).
    """
    labels = carrier_labels(session, connection_id)
    by_name: dict[str, Mapping] = {}
    for mapping in wanted:
        name = fold(mapping.name)
        if not name or len(name) > NAME_MAX:
            raise CarrierMappingError(
                f"a carrier name must have 1 to {NAME_MAX} characters, not {mapping.name!r}",
                hint="Type the name or code your shop or ERP uses for the carrier.",
            )
        if name in by_name:
            raise CarrierMappingError(
                f"the carrier name {mapping.name!r} is mapped twice",
                hint="Keep one line per name.",
            )
        label = _known_label(labels, mapping.carrier_label)
        template = (mapping.tracking_url_template or "").strip() or None
        if template is not None and (
            len(template) > TEMPLATE_MAX or not template.startswith(("https://", "http://"))
        ):
            raise CarrierMappingError(
                f"the tracking link {template!r} is not an http(s) address",
                hint=f"Paste the carrier's tracking link, with {PLACEHOLDER} for the number.",
            )
        by_name[name] = Mapping(name, label, template)
    session.execute(delete(CarrierMapping).where(CarrierMapping.connection_id == connection_id))
    for mapping in by_name.values():
        session.add(
            CarrierMapping(
                connection_id=connection_id,
                name=mapping.name,
                carrier_label=mapping.carrier_label,
                tracking_url_template=mapping.tracking_url_template,
                updated_at=now,
            )
        )
    session.flush()
    return mappings(session, connection_id)


def resolve(session: Session, connection_id: int, name: str) -> Mapping:
    """The mapping a shipment's carrier name stands for; a marketplace label maps to itself.

    Raises ``CarrierMappingError`` (with the fix) when the name is neither mapped nor a label the
    marketplace lists. While the carriers were never read, an unmapped name is taken as typed
    (the marketplace checks it when the shipment is sent).
    """
    folded = fold(name)
    if not folded:
        raise CarrierMappingError(
            "a shipment needs a carrier", hint="Choose the carrier of the parcel."
        )
    for mapping in mappings(session, connection_id):
        if mapping.name == folded:
            return mapping
    labels = carrier_labels(session, connection_id)
    if labels is None:
        return Mapping(folded, " ".join(name.split()))
    for label in labels:
        if fold(label) == folded:
            return Mapping(folded, label)
    raise CarrierMappingError(
        f"the carrier {name!r} is not mapped to one of Cdiscount's carriers",
        hint=f"Map {name!r} to one of Cdiscount's carriers first (Carrier mappings page, "
        f"PUT /api/v1/carrier-mappings or `cdlink carriers map {name!r} LABEL`), then ship again.",
    )


def _known_label(labels: list[str] | None, wanted: str) -> str:
    label = " ".join(wanted.split())
    if not label:
        raise CarrierMappingError(
            "a mapping needs a Cdiscount carrier", hint="Choose one of Cdiscount's carriers."
        )
    if labels is None:
        return label
    for known in labels:
        if fold(known) == fold(label):
            return known
    raise CarrierMappingError(
        f"{wanted!r} is not one of Cdiscount's carriers",
        hint="Choose a carrier Cdiscount lists (GET /api/v1/connections/{id}/carriers); "
        "the list is refreshed daily by the carriers stream.",
    )
