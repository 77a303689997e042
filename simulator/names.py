"""Invented words for the simulated estate: company names, people, products.

Every name here is made up; any likeness to a real company or person is chance.
"""

PLACE_WORDS = [
    "Harborview", "Pinecrest", "Oakridge", "Silverlake", "Redstone", "Bluewater", "Maplefield",
    "Cedarbrook", "Ironwood", "Fox Hollow", "Lakeshore", "Stonegate", "Willowbend", "Eastgate",
    "Northfield", "Sunridge", "Copperline", "Brightwater", "Highmoor", "Glenwood", "Ashford",
    "Riverton", "Kestrel", "Larkspur", "Millbrook", "Seabrook", "Thornbury", "Westvale",
    "Amberly", "Birchwood", "Clearspring", "Duneside", "Elmstead", "Fairhaven", "Granite Bay",
    "Hollister", "Juniper", "Kingsmere", "Lindenfeld", "Moorgate",
]

INDUSTRY_WORDS = [
    ("Dental", "Group"), ("Logistics", "Inc"), ("Law", "Partners"), ("Veterinary", "Clinic"),
    ("Accounting", "LLP"), ("Builders", "Ltd"), ("Family Medicine", "PC"), ("Realty", "Group"),
    ("Engineering", "Inc"), ("Insurance", "Agency"), ("Manufacturing", "Co"), ("Architects", "LLC"),
    ("Credit Union", ""), ("School District", ""), ("Foods", "Inc"), ("Marine", "Services"),
    ("Pharmacy", "Group"), ("Motors", "Inc"), ("Hospitality", "Group"), ("Printing", "Co"),
]

FIRST_NAMES = [
    "Ann", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko",
    "Liam", "Mara", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera",
    "Wes", "Xena", "Yusuf", "Zoe",
]

LAST_NAMES = [
    "Abbott", "Brandt", "Castillo", "Dunmore", "Ekwueme", "Falk", "Gallo", "Hartley", "Ibsen",
    "Jovanic", "Kowal", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Pereira", "Quist", "Rahman",
    "Sorensen", "Tanaka", "Ulrich", "Varga", "Whitlock", "Yilmaz", "Zeller",
]

TITLES = [
    "Office Manager", "Owner", "Practice Manager", "Controller", "Operations Lead", "Receptionist",
    "IT Contact", "Partner", "Bookkeeper", "Director",
]

CITIES = [
    ("Brookhaven", "OR", "97001"), ("Calder", "WA", "98002"), ("Dellwood", "ID", "83003"),
    ("Elmira Falls", "OR", "97104"), ("Fenwick", "WA", "98205"), ("Garnet", "MT", "59006"),
]

STREETS = ["Harbor St", "Mill Rd", "Oak Ave", "Station Way", "Quarry Ln", "Market St", "Depot Rd"]

TICKET_SUMMARIES = [
    "Printer offline on {floor} floor", "Cannot open shared mailbox", "Outlook keeps asking for "
    "password", "New starter laptop setup", "VPN drops every few minutes", "Slow file share",
    "Teams camera not working", "Reset MFA for user", "Scanner to email failing",
    "Request: install PDF editor", "Monitor flickering", "Wi-Fi weak in conference room",
    "Password reset", "Leaver: disable account", "Line-of-business app error on start",
    "Calendar permissions request", "Phone not syncing email", "Disk almost full on laptop",
]

INCIDENT_SUMMARIES = {
    "network_outage": "Site offline: firewall {host} not responding",
    "server_failure": "Server {host} down",
    "malware": "Threat detected on {host}",
}

THREAT_NAMES = [
    ("Trojan.Agent", "Trojan"), ("Ransom.Locky", "Ransomware"), ("PUA.Toolbar", "PUA"),
    ("Exploit.Office", "Exploit"), ("Miner.XMR", "Miner"), ("Backdoor.Generic", "Malware"),
    ("Infostealer.Redline", "Infostealer"),
]

AUVIK_NOISE_ALERTS = [
    ("High CPU Utilization", "warning"), ("Interface Flapping", "warning"),
    ("High Memory Utilization", "info"), ("Interface Packet Discards", "info"),
]

MEMBERS = ["jdoe", "asmith", "mlopez", "kchen", "rpatel", "tnguyen"]
