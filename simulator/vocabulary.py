"""Fixed vocabularies of the synthetic AMO: what its people, aircraft, parts and paperwork are called.

Plain data, so a practitioner can check the generator's realism by reading one file.
"""

from __future__ import annotations

# fmt: off
FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Katrin", "Lars",
    "Maria", "Niklas", "Olga", "Paul", "Rita", "Stefan", "Tanja", "Uwe", "Vera", "Wim", "Yara", "Zoran",
    "Aoife", "Bram", "Chiara", "Dario", "Emma", "Filip", "Hanna", "Ivan", "Julia", "Karim", "Lena", "Marco",
    "Nora", "Oskar", "Pia", "Rafael", "Sofia", "Tomas", "Ula", "Viktor",
)
LAST_NAMES = (
    "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova", "Jansen", "Kowalski",
    "Lehmann", "Moreau", "Novak", "Olsen", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka", "Urban",
    "Vogel", "Weber", "Young", "Zimmermann", "Murphy", "Horvat", "Silva", "Berg", "Keller", "Lindqvist",
    "Meyer", "Nielsen", "Okafor", "Popescu", "Richter", "Santos",
)

# (code, name, approval_ref, regime, email domain, bases, registration prefix, fleet by type)
AMOS = (
    ("NAM", "Nordic Aero Maintenance", "SE.145.0042", "EASA", "nordic-aero.example", ("ARN", "GOT"), "SE-",
     (("A320-214", 0.5), ("ATR72-600", 0.5))),
    ("ATL", "Atlantic Technics", "IE.145.0117", "DUAL", "atlantic-technics.example", ("SNN", "DUB"), "EI-",
     (("B737-800", 0.7), ("A320-214", 0.3))),
)
OPERATORS = {"SE-": ("Baltic Sky Airways", "Nordlys Regional"), "EI-": ("Shannon Air", "Emerald Charter")}

DEPARTMENTS = (
    ("QUAL", "Quality & Compliance"), ("PLAN", "Maintenance Planning"), ("PROD", "Production"),
    ("REL", "Reliability"), ("SAFE", "Safety Office"), ("STOR", "Stores & Logistics"),
    ("ENG", "Engineering"), ("WKSP", "Workshops & Tool Crib"), ("ADMIN", "Administration & IT"),
)
# Share of the staff per department (production dominates a Part-145 organisation).
DEPARTMENT_WEIGHTS = {"QUAL": 6, "PLAN": 6, "PROD": 40, "REL": 4, "SAFE": 3, "STOR": 10, "ENG": 8,
                      "WKSP": 12, "ADMIN": 4}
JOB_TITLES = {
    "QUAL": ("Quality Auditor", "Compliance Monitoring Manager", "Quality Engineer"),
    "PLAN": ("Maintenance Planner", "Planning Lead"),
    "PROD": ("B1 Licensed Engineer", "B2 Licensed Engineer", "Mechanic", "Shift Supervisor", "Inspector"),
    "REL": ("Reliability Engineer",), "SAFE": ("Safety Manager", "Safety Investigator"),
    "STOR": ("Storekeeper", "Receiving Inspector", "Logistics Coordinator"),
    "ENG": ("Airworthiness Engineer", "Structures Engineer", "Avionics Engineer"),
    "WKSP": ("Component Technician", "Tool Crib Controller", "NDT Level 2 Technician"),
    "ADMIN": ("IT Administrator", "HR Officer"),
}
ROLES = (
    ("superuser", "Superuser", "Full control, including user administration and all departments."),
    ("admin", "Administrator", "User command center: disable, enable, revoke, reset, notify, schedule."),
    ("quality", "Quality & compliance", "Reads every department's records and runs the QMS cockpit."),
    ("auditor", "Auditor", "Read-only access to the archive console, verification and evidence export."),
    ("member", "Department member", "Sees the dashboards and live feed of their own department."),
)

REGULATION_POINTS = (
    "145.A.25", "145.A.30", "145.A.35", "145.A.36", "145.A.37", "145.A.40", "145.A.42", "145.A.45",
    "145.A.47", "145.A.48", "145.A.50", "145.A.55", "145.A.60", "145.A.65", "145.A.70", "145.A.75",
    "145.A.80", "145.A.85", "145.A.90", "145.A.95", "145.A.120", "145.A.140", "145.A.155",
    "145.A.200", "145.A.202", "145.A.205",
)
# Which department a regulation point is mostly about (the auditee of an audit on it).
REGULATION_OWNER = {
    "145.A.25": "PROD", "145.A.30": "ADMIN", "145.A.35": "QUAL", "145.A.36": "QUAL", "145.A.37": "QUAL",
    "145.A.40": "WKSP", "145.A.42": "STOR", "145.A.45": "ENG", "145.A.47": "PLAN", "145.A.48": "PROD",
    "145.A.50": "PROD", "145.A.55": "PLAN", "145.A.60": "SAFE", "145.A.65": "QUAL", "145.A.70": "QUAL",
    "145.A.75": "QUAL", "145.A.80": "PROD", "145.A.85": "QUAL", "145.A.90": "QUAL", "145.A.95": "QUAL",
    "145.A.120": "QUAL", "145.A.140": "ADMIN", "145.A.155": "SAFE", "145.A.200": "QUAL",
    "145.A.202": "SAFE", "145.A.205": "PLAN",
}
FINDING_TEXTS = {
    "PROD": ("Task card signed without recording the torque value", "Hangar lighting below MOE level",
             "Independent inspection not recorded for flight-control task", "Shift handover log incomplete"),
    "STOR": ("Part accepted without a valid EASA Form 1", "Shelf-life item past expiry in bonded store",
             "Quarantine area not segregated"),
    "WKSP": ("Torque wrench used after calibration due date", "Tool shadow board missing two items",
             "Calibration certificate not traceable to a national standard"),
    "PLAN": ("Work package issued without current AMM revision", "Man-hour plan ignores night-shift limits",
             "Subcontractor release documents not retained"),
    "ENG": ("AD applicability assessment not documented", "Superseded SB revision in use"),
    "QUAL": ("Authorisation issued before continuation training", "Audit plan does not cover 145.A.48",
             "Finding closed without effectiveness check"),
    "SAFE": ("Occurrence report submitted late to the authority", "Hazard log review overdue"),
    "ADMIN": ("Leaver account still active", "Staffing plan not updated for winter season"),
    "REL": ("Repeat defect not escalated to engineering",),
}
MEDA_CATEGORIES = ("INFORMATION", "EQUIPMENT_TOOLS", "DESIGN", "JOB_TASK", "KNOWLEDGE_SKILLS",
                   "INDIVIDUAL", "ENVIRONMENT", "ORGANISATION", "SUPERVISION", "COMMUNICATION")

# ATA chapter → (system, typical defect texts)
ATA = {
    "21": ("Air conditioning", ("Pack 1 outlet temperature high", "Cabin zone temp controller fault")),
    "22": ("Auto flight", ("AP 1 disconnects in cruise", "FMGC 2 fault message")),
    "23": ("Communications", ("VHF 2 intermittent", "PA inaudible in aft cabin")),
    "24": ("Electrical power", ("IDG 1 low oil pressure", "Battery 2 charge fault")),
    "25": ("Equipment/furnishings", ("Seat 14C recline inoperative", "Galley oven 3 inoperative")),
    "26": ("Fire protection", ("Cargo smoke detector fault", "Lavatory smoke detector test fail")),
    "27": ("Flight controls", ("Rudder trim limiter fault", "Spoiler 4 fault", "Aileron servo leak")),
    "28": ("Fuel", ("Fuel quantity indication fault tank 2", "Centre tank pump low pressure")),
    "29": ("Hydraulic power", ("Green system low level", "Yellow EDP leak")),
    "30": ("Ice and rain protection", ("Wing anti-ice valve fault", "Probe heat fault")),
    "31": ("Indicating/recording", ("ECAM display flicker", "FDR fault")),
    "32": ("Landing gear", ("Brake wear indicator at limit", "Nose wheel steering fault", "Tyre cut")),
    "33": ("Lights", ("Logo light inoperative", "Emergency exit light fault")),
    "34": ("Navigation", ("ADIRU 1 fault", "Weather radar inoperative", "ILS 2 deviation")),
    "35": ("Oxygen", ("Crew oxygen low pressure",)),
    "36": ("Pneumatic", ("Bleed 2 overpressure", "Precooler outlet temp high")),
    "38": ("Water/waste", ("Toilet 2 flush inoperative",)),
    "49": ("APU", ("APU auto shutdown", "APU start fault")),
    "52": ("Doors", ("Cargo door warning", "Door 2L slide pressure low")),
    "71": ("Power plant", ("Engine 1 vibration high",)),
    "72": ("Engine", ("Engine 2 EGT exceedance", "Fan blade damage found")),
    "73": ("Engine fuel and control", ("FADEC channel fault",)),
    "79": ("Oil", ("Engine 1 oil consumption high",)),
}

# Rotables: (ATA chapter, part_no, description, qpa, is_llp)
ROTABLES = (
    ("21", "740G1-01", "Air cycle machine", 2, False),
    ("22", "C13045AA", "Flight management computer", 2, False),
    ("23", "822-1468-310", "VHF transceiver", 3, False),
    ("24", "761574B", "Integrated drive generator", 2, False),
    ("27", "A2735-02", "Spoiler servo control", 10, False), ("28", "2PG-8120", "Fuel boost pump", 6, False),
    ("29", "EDP-1007", "Engine driven pump", 2, False), ("32", "C20195-000", "Main wheel assembly", 4, False),
    ("32", "2-1577-3", "Brake assembly", 4, False), ("34", "465020-0303", "ADIRU", 3, False),
    ("36", "3214552-4", "Bleed pressure regulating valve", 2, False),
    ("49", "3800708-1", "APU starter generator", 1, False),
    ("72", "340-200-001", "HPT stage 1 disk", 2, True), ("72", "335-006-404", "Fan disk", 2, True),
)
# Consumables: (part_no, description, unit, has a shelf life)
CONSUMABLES = (
    ("MIL-PRF-23699", "Turbine engine oil", "QT", True), ("MS28775-228", "O-ring packing", "EA", True),
    ("PR-1782B2", "Sealant, fuel tank", "CA", True), ("BMS10-11", "Primer, epoxy", "CA", True),
    ("NAS1149F0363P", "Washer", "EA", False), ("MS21042L3", "Self-locking nut", "EA", False),
    ("AS3209-112", "O-ring packing", "EA", True), ("HYJET-V", "Hydraulic fluid", "QT", True),
)
# Tools: (description, calibrated, calibration interval in days)
TOOLS = (
    ("Torque wrench 20-100 Nm", True, 365), ("Torque wrench 5-25 Nm", True, 365),
    ("Pressure gauge 0-4000 psi", True, 180), ("Multimeter", True, 365), ("Tyre pressure gauge", True, 180),
    ("Pitot-static test set", True, 365), ("Borescope", True, 730), ("Crimp tool", True, 365),
    ("Jacking set A320", False, None), ("Wheel change dolly", False, None),
    ("Safety wire pliers", False, None),
)
CAL_LABS = ("Nordcal Metrology AB", "Precision Calibration Ltd", "AeroCal Services")

# Recurrent courses: (code, type, validity in days)
COURSES = (
    ("HF-REC", "HF", 730), ("CONT-B1", "CONTINUATION", 730), ("EWIS-3", "EWIS", 730), ("FTS-1", "FTS", 730),
    ("SMS-INTRO", "SMS", 1095), ("DG-CAT6", "DG", 730), ("MOE-REV", "COMPANY_PROC", 730),
)

# Maintenance planning document tasks: (ATA chapter, task)
MPD_TASKS = (
    ("05", "Zonal inspection"), ("12", "Servicing: engine oil replenishment"), ("12", "Tyre pressure check"),
    ("20", "Detailed visual inspection of wiring"), ("27", "Flight control surface free play check"),
    ("29", "Hydraulic reservoir level check"), ("32", "Landing gear lubrication"),
    ("34", "Pitot-static leak check"), ("52", "Door seal inspection"), ("72", "Engine borescope inspection"),
)
OCCURRENCE_CATEGORIES = ("SCF-NP", "SCF-PP", "RAMP", "MAC", "FUEL", "OTHR", "GCOL", "F-NI")
SAFETY_TEXTS = {
    "OCCURRENCE": ("Panel found unsecured at walk-round", "Wrong torque applied to wheel nuts",
                   "Tool left in engine nacelle", "Fuel leak after pump change"),
    "HAZARD": ("Hangar floor slippery near wash bay", "Inadequate lighting on night-shift apron",
               "Fatigue risk: extended night shifts"),
    "NEAR_MISS": ("Tug almost struck wingtip", "Incorrect part nearly fitted: similar P/N"),
    "ERROR": ("Task card stamped for the wrong aircraft", "Duplicate inspection stamp missed"),
}
# Standing hazards of the register: (title, mitigation).
HAZARD_REGISTER = (
    ("Slippery hangar floor near the wash bay", "Drainage mats and a cleaning round every shift"),
    ("Poor lighting on the night-shift apron", "Mobile light towers at every stand used at night"),
    ("Fatigue on extended night shifts", "Fatigue risk rules: at most four nights in a row"),
    ("Look-alike part numbers in the same bin", "Separate bins and a second check at issue"),
    ("Tools left in engine nacelles", "Shadow boards and a tool count before panels close"),
    ("Work at height on wing and stabiliser docks", "Harness points and dock guard rails inspected weekly"),
    ("Incomplete shift handover of open tasks", "Written handover sheet signed by both leads"),
    ("Towing in a congested hangar", "Wing walkers for every tow inside the hangar"),
)
# fmt: on
