"""Invented vocabulary the generator draws names, subjects and message text from.

All people, companies and addresses are fictional; e-mail domains are reserved example domains.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Dana",
    "Lee",
    "Priya",
    "Sam",
    "Noor",
    "Mateo",
    "Ines",
    "Kofi",
    "Yuki",
    "Olga",
    "Ravi",
    "Chloe",
    "Tomas",
    "Amara",
    "Jonas",
    "Leila",
    "Mika",
    "Aiden",
    "Sofia",
    "Hugo",
    "Zara",
    "Emil",
    "Nadia",
    "Felix",
    "Rosa",
    "Arjun",
    "Maren",
    "Ezra",
    "Lina",
    "Oskar",
)
LAST_NAMES = (
    "Sample",
    "Placeholder",
    "Example",
    "Fictional",
    "Testwood",
    "Mockridge",
    "Demoulin",
    "Stubbs",
    "Fakeley",
    "Dummer",
    "Proto",
    "Specimen",
    "Nominal",
    "Variant",
    "Instance",
    "Quill",
    "Ledger",
    "Marlow",
    "Brackett",
    "Oakhurst",
)
DOMAINS = ("example.org", "example.net", "example.com")
COMPANIES = (
    "Sample Widgets LLC",
    "Placeholder Logistics",
    "Example Bakery Co",
    "Fictional Freight",
    "Mock Metals GmbH",
    "Demo Dental",
    "Stub & Sons",
    "Nominal Networks",
    "Prototype Labs",
    "Specimen Studios",
    "Ledger Legal",
    "Quill Publishing",
)
CITIES = (
    ("Portland", "OR", "US"),
    ("Lyon", "ARA", "FR"),
    ("Leeds", "ENG", "GB"),
    ("Graz", "ST", "AT"),
    ("Austin", "TX", "US"),
    ("Quebec", "QC", "CA"),
)
JOB_TITLES = ("Office Manager", "CTO", "Accountant", "Owner", "Buyer", "Engineer", "")
TIMEZONES = ("America/Chicago", "America/New_York", "Europe/Paris", "Europe/London", "Asia/Tokyo")

# Some subjects carry quotes and apostrophes on purpose: search queries must survive them (C7).
SUBJECTS = (
    "Invoice shows the wrong billing address",
    "Can't log in after password reset",
    'Avis d\'octroi "urgent" pour le dossier',
    "Refund for order #{n}",
    "Question about the Plus plan",
    "Export to CSV is missing columns",
    "Shipping delay on my last order",
    "How do I add a second user?",
    'Bug: "Save" button does nothing',
    "Cancel my subscription",
    "Integration with the accounting tool",
    "Where's my receipt?",
    "Change the e-mail on my account",
    "Feature request: dark mode",
    "Card declined at checkout",
    "Avis d'octroi reçu",
)
TAG_NAMES = (
    "billing",
    "address-change",
    "bug",
    "feature-request",
    "refund",
    "vip",
    "shipping",
    "login",
    "cancellation",
    "integration",
    "priority",
    "feedback",
    "onboarding",
    "spam-check",
    "follow-up",
    "escalated",
)
TAG_COLORS = ("#7ac2e0", "none", "#e06c75", "#98c379", "#d19a66", "#c678dd")

CUSTOMER_LINES = (
    "Hi team, the invoice from last month still lists our old address.",
    "I tried again this morning and it still fails with the same message.",
    "Could you tell me when this will be fixed?",
    "Thanks, that worked! One more question though.",
    "We're evaluating the Plus plan for our team of twelve.",
    "The export has no column for the order reference.",
    "My card was charged twice, please check.",
    "I'd like to change the contact e-mail on our account.",
    "Attached is a screenshot of what I see.",
    "Is there a way to do this in bulk?",
)
AGENT_LINES = (
    "Thanks for reaching out, I'm looking into this now.",
    "I've updated the billing address and re-issued the invoice.",
    "Could you send me a screenshot of the error?",
    "This is fixed on our side; please try again and let me know.",
    "I've passed this on to our engineers and will follow up.",
    "You can do that from Settings, then Team, then Invite.",
    "I've refunded the duplicate charge; it can take 5-7 days to show.",
    "Happy to help! Is there anything else I can do?",
)
NOTE_LINES = (
    "Checked the logs: the request never reached the billing service.",
    "Customer is on the legacy plan, see account notes.",
    "Escalating to tier 2, reproduction steps below.",
    "Duplicate of an earlier report from the same company.",
)
CHAT_LINES = (
    "Hello, is anyone there?",
    "Yes, hi! How can I help you today?",
    "The checkout page keeps spinning after I click pay.",
    "Which browser are you using?",
    "The latest one on my laptop, I also tried my phone.",
    "Thanks, I can see the failed attempts on our side.",
    "Can you try once more now? I've cleared the stuck session.",
    "It went through, thank you!",
)
RATING_COMMENTS = ("Quick fix, thank you", "", "Took a while but solved", "Not helpful", "")
ATTACHMENTS = (
    ("invoice.pdf", "application/pdf", False),
    ("screenshot.png", "image/png", True),
    ("export.csv", "text/csv", False),
    ("photo.jpg", "image/jpeg", True),
)
