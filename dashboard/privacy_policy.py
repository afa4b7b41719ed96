"""A privacy-policy paragraph (German and English) that matches a site's real settings."""

from __future__ import annotations

from dataclasses import dataclass

from footfall.metadata.sites import Site
from footfall.retention import effective_days
from footfall.settings import Settings


@dataclass(frozen=True)
class Policy:
    lang: str
    title: str
    paragraphs: list[str]

    @property
    def text(self) -> str:
        return self.title + "\n\n" + "\n\n".join(self.paragraphs)


def _retention_days(site: Site, settings: Settings) -> int:
    return effective_days(settings.retention_days, site.retention_days)


def manifest_url(collector_url: str, site: Site) -> str:
    return f"{collector_url.rstrip('/')}/privacy.json?site={site.id}"


def _masked_example(mask_bytes: int) -> str:
    parts = ["192", "168", "10", "42"]
    for index in range(4 - mask_bytes, 4):
        parts[index] = "0"
    return ".".join(parts)


def english(site: Site, settings: Settings, operator: str = "", collector_url: str = "") -> Policy:
    who = operator or f"the operator of {site.primary_domain or site.name}"
    mask = settings.ipv4_mask_bytes
    p = [
        f"This website uses Footfall, a web analytics service hosted by {who} on its own servers, to learn how "
        "visitors use the site. No data is passed to third parties, and the usage profiles are pseudonymous: "
        "they are never merged with personal data about the bearer of the pseudonym.",
    ]
    if site.cookie_mode:
        p.append(
            "Footfall sets a first-party cookie on your device that holds a random identifier, so that repeat "
            "visits can be recognised. The identifier is stored only as a keyed hash, never in plain form."
        )
    else:
        p.append(
            "Footfall sets no cookies and stores nothing on your device. Visits are recognised for one day only, "
            "with a pseudonymous identifier computed from the truncated address, the browser signature and a "
            "random value that changes every day and is then destroyed, so visits on different days cannot be linked."
        )
    stored = (
        f"Only the shortened address (for example {_masked_example(mask)} for IPv4, or the first 48 bits of an "
        "IPv6 address) is stored."
        if site.store_truncated_ip
        else "The IP address is not stored at all, not even in shortened form."
    )
    p.append(
        f"Your IP address is shortened immediately ({mask} of 4 bytes of an IPv4 address are removed, an IPv6 "
        f"address is cut to 48 bits) and is used, before it is discarded, only to derive your approximate country. "
        f"{stored} We record the pages you view, the referring website, campaign parameters, the browser, operating "
        "system, device type, screen size and language, and the time of the visit."
    )
    if site.honor_dnt:
        p.append(
            "If your browser sends the Do Not Track (DNT) or Global Privacy Control (GPC) signal, nothing at all is "
            "recorded about your visit."
        )
    days = _retention_days(site, settings)
    p.append(
        f"The data is deleted automatically after {days} days." if days else
        "The data is kept until it is no longer needed for the analysis and is then deleted."
    )
    p.append(
        "You can object to the analysis at any time with one click in the opt-out box on this page. It sets an "
        "opt-out cookie; after that, nothing is recorded about you. Please note: if you delete all cookies in "
        "your browser, the opt-out cookie is deleted too, and you will need to opt out again."
    )
    p.append(
        "The legal basis is our legitimate interest in analysing and improving our website (Art. 6(1)(f) GDPR)"
        + (", and for the cookie your consent (Art. 6(1)(a) GDPR, § 25(1) TDDDG)." if site.cookie_mode else ".")
    )
    if collector_url:
        p.append(
            "A machine-readable summary of these settings, generated from the running configuration, is published "
            f"at {manifest_url(collector_url, site)}."
        )
    return Policy("en", "Web analytics with Footfall", p)


def german(site: Site, settings: Settings, operator: str = "", collector_url: str = "") -> Policy:
    who = operator or f"dem Betreiber von {site.primary_domain or site.name}"
    mask = settings.ipv4_mask_bytes
    p = [
        f"Diese Website nutzt Footfall, einen Webanalysedienst, der von {who} auf eigenen Servern betrieben wird, "
        "um zu verstehen, wie Besucher die Website nutzen. Es werden keine Daten an Dritte weitergegeben. Die "
        "Nutzungsprofile sind pseudonym und werden nicht mit Daten über den Träger des Pseudonyms zusammengeführt.",
    ]
    if site.cookie_mode:
        p.append(
            "Footfall setzt ein eigenes (First-Party-)Cookie auf Ihrem Gerät, das eine zufällige Kennung enthält, "
            "damit wiederkehrende Besuche erkannt werden können. Die Kennung wird nur als verschlüsselter Hashwert "
            "gespeichert, nie im Klartext."
        )
    else:
        p.append(
            "Footfall setzt keine Cookies und speichert nichts auf Ihrem Gerät. Besuche werden nur für einen Tag "
            "wiedererkannt, über eine pseudonyme Kennung aus der gekürzten Adresse, der Browserkennung und einem "
            "Zufallswert, der täglich wechselt und danach gelöscht wird. Besuche an verschiedenen Tagen lassen sich "
            "daher nicht verknüpfen."
        )
    stored = (
        f"Gespeichert wird nur die gekürzte Adresse (z. B. {_masked_example(mask)} bei IPv4 oder die ersten 48 Bit "
        "einer IPv6-Adresse)."
        if site.store_truncated_ip
        else "Die IP-Adresse wird überhaupt nicht gespeichert, auch nicht gekürzt."
    )
    p.append(
        f"Ihre IP-Adresse wird sofort gekürzt ({mask} von 4 Bytes einer IPv4-Adresse werden entfernt, eine "
        f"IPv6-Adresse wird auf 48 Bit gekürzt) und vor dem Verwerfen nur genutzt, um das ungefähre Land zu "
        f"bestimmen. {stored} Erfasst werden die aufgerufenen Seiten, die verweisende Website, Kampagnenparameter, "
        "Browser, Betriebssystem, Gerätetyp, Bildschirmgröße, Sprache und der Zeitpunkt des Besuchs."
    )
    if site.honor_dnt:
        p.append(
            "Sendet Ihr Browser das Signal „Do Not Track“ (DNT) oder „Global Privacy Control“ (GPC), wird über "
            "Ihren Besuch überhaupt nichts erfasst."
        )
    days = _retention_days(site, settings)
    p.append(
        f"Die Daten werden nach {days} Tagen automatisch gelöscht." if days else
        "Die Daten werden gelöscht, sobald sie für die Auswertung nicht mehr benötigt werden."
    )
    p.append(
        "Sie können der Auswertung jederzeit mit einem Klick im Opt-out-Feld auf dieser Seite widersprechen. "
        "Dabei wird ein Opt-out-Cookie gesetzt; danach wird nichts mehr über Sie erfasst. Bitte beachten Sie: "
        "Wenn Sie alle Cookies in Ihrem Browser löschen, wird auch das Opt-out-Cookie gelöscht, und Sie müssen "
        "erneut widersprechen."
    )
    p.append(
        "Rechtsgrundlage ist unser berechtigtes Interesse an der Analyse und Verbesserung unserer Website "
        "(Art. 6 Abs. 1 lit. f DSGVO)"
        + ("; für das Cookie Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO, § 25 Abs. 1 TDDDG)." if site.cookie_mode else ".")
    )
    if collector_url:
        p.append(
            "Eine maschinenlesbare Übersicht dieser Einstellungen, erzeugt aus der laufenden Konfiguration, ist "
            f"unter {manifest_url(collector_url, site)} veröffentlicht."
        )
    return Policy("de", "Webanalyse mit Footfall", p)


def policies(site: Site, settings: Settings, collector_url: str = "") -> list[Policy]:
    return [german(site, settings, collector_url=collector_url), english(site, settings, collector_url=collector_url)]
