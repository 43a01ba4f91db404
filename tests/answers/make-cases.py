# Regenerates tests/answers/*.eml and expect.json (the question corpus and its facts).
# Usage: python3 tests/answers/make-cases.py   (edit the cases here, not the .eml files)
import json, os
OUT = os.path.dirname(os.path.abspath(__file__))
cases = []
AMA = "CPT(R) is a registered trademark"
# budget: the reply's text part stays under this many lines (60 for one question; claims and
# multi-question messages get more)
def case(name, subject, body, both=None, sample=None, full=None, frm="Pat Coder <pat@clinic.example>",
         html=False, fwd=None, cpt=None, quote=None, budget=None):
    cases.append(dict(name=name, subject=subject, body=body, both=both or {}, sample=sample or {},
                      full=full or {}, frm=frm, html=html, fwd=fwd, cpt=cpt, quote=quote, budget=budget))
def M(*a): return {"must": list(a)}
def MN(must, must_not): return {"must": must, "must_not": must_not}

# ---- describe ---------------------------------------------------------------------
case("describe-em", "question", "hi, what is 99214?",
     both=MN(["99214", "CPT Category I", "PFS status: A = active code", "Global days: XXX"], ["NOT FOUND"]),
     sample=M("established patient", "needs an AMA licence"),
     full=M("No description in the loaded data", "AMA licence"), cpt=True, quote="hi, what is 99214?")
case("describe-lowercase-typo", "quick q", "whats cpt 20610 mean? thx",
     both=M("20610", "000 = 0-day global", "PFS status: A"), sample=M("large joint"), cpt=True)
case("describe-hcpcs-drug", "J code", "What is J1745?",
     both=MN(["Injection, infliximab, excludes biosimilar, 10 mg", "HCPCS Level II", "Dose unit: 1 unit = 10 mg",
              "HCPCS coverage: D = special coverage instructions apply", "PFS status: E"], [AMA]), cpt=False)
case("describe-hcpcs-supply", "supply code", "what does A4550 stand for",
     both=MN(["A4550", "Surgical trays", "HCPCS Level II"], ["Dose unit"]), cpt=False)
case("describe-cat2", "cat II", "What is 3074F? is it payable",
     both=M("3074F", "CPT Category II"), full=M("PFS status: I"), cpt=True)
case("describe-cat3", "tracking code", "describe 0591T please",
     both=M("0591T", "CPT Category III", "PFS status: C = carrier priced", "Global days: YYY"), cpt=True)
case("describe-deleted-hcpcs", "old code", "Is A4397 still valid? DOS 01/15/2024",
     full=MN(["A4397", "DELETED: not valid on 2024-01-15 (ended 2021-12-31)", "Irrigation supply; sleeve, each"], ["active on 2024-01-15"]),
     sample=MN(["A4397 is not in the loaded releases"], ["I could not find a procedure or diagnosis code"]))
case("describe-hcpcs-active-dated", "G0439", "what is G0439 for date of service 2026-02-10",
     both=M("G0439", "Annual wellness visit", "active on 2026-02-10", "Answers are for the date of service 2026-02-10"), cpt=False)
case("describe-maternity", "ob global", "what is 59400 and its global",
     both=M("59400", "MMM = maternity code", "59400: global MMM = maternity"), cpt=True)
case("describe-subject-only", "What is 99497?", "",
     both=M("99497", "CPT Category I", "PFS status: A"), cpt=True)
case("describe-two-families", "codes", "what are 99213 and G2211",
     both=M("99213", "G2211", "G2211 (HCPCS Level II)", "global ZZZ (add-on code)"), cpt=True)
case("describe-pla", "lab", "What is 0001U? DOS 3/1/2026",
     full=M("0001U", "No description in the loaded data", "CPT PLA"), sample=MN(["0001U is not in the loaded releases"], ["I could not find a procedure or diagnosis code"]))
# ---- ICD-10 -----------------------------------------------------------------------
case("icd-billable", "dx", "Is E11.9 billable?",
     both=MN(["E11.9", "Type 2 diabetes mellitus without complications", "Billable: yes", "without the dot: E119"], ["Billable: NO", AMA]), cpt=False)
case("icd-header", "dx code", "is e11.4 a billable dx code",
     both=M("E11.4", "Billable: NO - header code", "E11.40", "E11.49", "Type 2 diabetes mellitus with neurological complications"), cpt=False)
case("icd-undotted", "icd10", "icd 10 M1711 billable?",
     both=M("M17.11", "Unilateral primary osteoarthritis, right knee", "Billable: yes"), cpt=False)
case("icd-header-m171", "knee", "what icd-10 code for knee OA, is M17.1 ok?",
     both=M("M17.1", "header", "M17.10", "M17.11", "M17.12"), cpt=False)
case("icd-full-only", "dx", "is E11.65 billable",
     full=M("E11.65", "Type 2 diabetes mellitus with hyperglycemia", "Billable: yes"))
case("icd-z-code", "wellness dx", "what dx for annual exam Z00.00 vs Z00.01",
     both=M("Z00.00", "Z00.01", "Billable: yes"), cpt=False)
case("icd-header-e11", "E11", "ICD-10 E11 billable?",
     both=M("E11", "Billable: NO"), full=M("E11.00", "E11.01"))
# ---- NCCI -------------------------------------------------------------------------
case("ncci-pair-no-edit", "billing question", "Can I bill 20610 with 99214 on the same day?",
     both=M("NCCI procedure-to-procedure edits", "20610 + 99214: no edit found", "both orders checked",
            "holds only 25 edits", "not that CMS has none"), cpt=True)
case("ncci-ptp-active", "PTP", "is there an ncci edit between 0001U and 0030U? DOS 2026-03-01",
     full=MN(["0001U (column 1) / 0030U (column 2)", "1 = a modifier (59 or XE/XP/XS/XU", "Misuse of Column Two code with Column One code",
              "effective 2018-07-01, deletion none: in effect on 2026-03-01", "59 or an X modifier on 0030U"], ["0030U + 0001U: no edit found"]),
     sample=MN(["is not in the loaded releases"], ["I could not find"]))
case("ncci-ptp-deleted-after", "PTP", "0001U with 0029U bundled? date of service 11/01/2026",
     full=M("0001U", "0029U", "deletion 2026-06-30", "deleted 2026-06-30: not applied on 2026-11-01", "Not applied on this date of service"))
case("ncci-ptp-deleted-before", "PTP", "0001U with 0029U bundled? date of service 01/10/2026",
     full=M("in effect on 2026-01-10", "Indicator: 1 =", "0029U"))
case("ncci-reverse-order", "pair", "can 0030U be billed with 0001U, same day, DOS 2026-05-05",
     full=M("0001U (column 1) / 0030U (column 2)", "in effect on 2026-05-05"))
case("ncci-open-edit", "lab", "is 80503 bundled into 0001U? DOS 2026-01-05",
     full=M("0001U (column 1) / 80503 (column 2)", "effective 2022-01-01, deletion none: in effect on 2026-01-05"))
case("ncci-three-codes", "three codes", "checking 99213, 96372 and J1885 for the same visit",
     both=M("99213 + 96372: no edit found", "99213 + J1885: no edit found", "96372 + J1885: no edit found", "No NCCI PTP edit in the loaded data for 99213 + 96372"), cpt=True)
case("ncci-cat3", "III", "0591T with 96160 same day?",
     both=M("0591T + 96160: no edit found"), cpt=True)
# ---- claim check ------------------------------------------------------------------
CLAIM = "Please check this claim before we send it, DOS 03/15/2026:\n99214-25\n20610-RT\nJ1885 x 2 units\n96372\n93000\n36415\n71046-26\n11042\n11045\n80053\nE11.9\nM17.11\n"
case("claim-check", "claim check", CLAIM,
     both=M("Claim check: 12 codes, date of service 2026-03-15", "J1885 2 8/3", "11045 1 12/3", "No edit (both orders checked)", "NCCI pair verdicts", "1 per claim line",
            "These MUEs took effect 2026-04-01, after the date of service 2026-03-15", "71046-26 has its own fee schedule row: 0.31 total RVUs"), cpt=True, budget=95)
CLAIM2 = "claim for review dos 2026-03-01\n0001U\n0030U\n0417U\n81105\n80053\n36415\n85025\n83036\n"
case("claim-check-ptp", "claim", CLAIM2,
     full=MN(["Claim check: 8 codes", "0001U 0030U 1 2018-07-01 none in effect", "0001U 0417U 1 2025-01-01 none in effect", "0001U 81105 1 2018-01-01 none in effect"], ["0001U + 0030U"]))
CLAIM3 = "Claim:\n" + "\n".join(["99203", "99213", "20610", "20611", "20552", "64483", "64484", "J3301 4 units", "J1100 10 units", "96372", "97110", "97140", "97530", "97161", "11102", "11103", "17110", "12001", "10060", "93000", "93010", "71046", "36415", "80053", "85025"]) + "\nDOS 02/02/2026\n"
case("claim-25", "25 line claim", CLAIM3,
     both=M("Claim check, 25 codes", "Claim check: 25 codes", "J3301 4 16/3", "J1100 10 120/3", "for the other 300 of 300 pairs"), cpt=True, budget=75)
case("claim-over-mue", "units", "claim dos 2026-04-15: 11042 x2, 11045 x 14, 20610 x 3",
     both=M("14 units is MORE than the MUE of 12", "2 units is MORE than the MUE of 1", "3 units is MORE than the MUE of 2", "11045: MUE 12 per day"), cpt=True, budget=90)
# ---- modifier ---------------------------------------------------------------------
case("mod-25-minor", "modifier", "which modifier do I need for 99213 with 11042 same day?",
     both=M("25 on 99213", "11042 has a 000 global", "modifier 25 on 99213"), cpt=True)
case("mod-25-named", "mod 25", "does modifier 25 go on 99214 or on 17110?",
     both=M("Modifier 25", "Goes on: the E/M code, never the procedure", "17110 has a 010 global (minor procedure)"), cpt=True)
case("mod-57-major", "decision for surgery", "E/M 99214 the day before 27447, modifier 57?",
     both=M("Modifier 57", "27447 has a 090 global (major surgery)", "57 on 99214"), cpt=True)
case("mod-59-vs-x", "59 or XS", "17110 and 11042-XS, or should it be modifier 59?",
     both=M("Modifier 59", "Modifier XS", "Separate structure", "59 or XS", "No NCCI PTP edit in the loaded data for"), cpt=True)
case("mod-59-ptp", "59", "modifier 59 on 0030U with 0001U? dos 2026-02-01",
     full=M("0001U/0030U: indicator 1: 59 on 0030U (column 2) can bypass this edit when documented"))
case("mod-xu-ptp", "XU", "can modifier XU on 81105 get it paid with 0001U, DOS 2026-03-03",
     full=M("0001U/81105: indicator 1: XU on 81105 (column 2) can bypass this edit when documented"))
case("mod-26-tc", "26", "reading 71046 only, modifier 26 or TC?",
     both=M("Modifier 26", "Modifier TC", "71046: PC/TC indicator 1", "71046-26 has its own fee schedule row: 0.31 total RVUs", "71046-TC has its own fee schedule row: 0.70 total RVUs"), cpt=True)
case("mod-50-bilateral", "bilateral", "bilateral knee injection 20610-50, how do we bill",
     both=M("Modifier 50", "20610: bilateral indicator 1 = bilateral allowed: paid at 150%"), cpt=True)
case("mod-rt-lt", "RT LT", "20610-RT and 20610-LT or 50? both knees",
     both=M("Modifier RT", "Right side", "20610: bilateral indicator 1"), cpt=True)
case("mod-jw-jz", "JW", "J3301 40mg used from 80 mg vial, JW modifier for the waste?",
     both=M("Modifier JW", "J3301 is billed per 10 mg", "Modifier JW goes on"))
case("mod-79-postop", "79", "unrelated procedure 10060 during global of 27447, modifier 79?",
     both=M("Modifier 79", "27447: global 090", "new global period starts"), cpt=True, budget=70)
case("mod-unknown", "mod", "what does modifier 25 and modifier GA mean on 99213",
     both=M("Modifier GA", "A waiver of liability", "Modifier 25"), cpt=True)
# ---- units / MUE ------------------------------------------------------------------
case("mue-over", "MUE", "MUE for J1745? We gave 200 units.",
     both=M("J1745: MUE 150", "3 = date of service edit, clinical", "Prescribing Information", "200 units is MORE than the MUE of 150", "1 unit = 10 mg"))
case("mue-within", "units", "how many units of J1885 can i bill, we gave 4 units",
     both=M("J1885: MUE 8", "4 units is within the MUE of 8", "1 unit = 15 mg"))
case("mue-policy", "mue", "max units 11042?",
     both=M("11042: MUE 1", "2 = date of service edit, policy", "Code Descriptor / CPT Instruction"), cpt=True)
case("mue-line", "ambulance miles", "mue on A0425 ground mileage",
     both=M("A0425: MUE 250", "1 = claim line edit"))
case("mue-zero", "dme mue", "MUE for E0114 crutches",
     both=M("E0114: MUE 0"))
case("mue-addon", "units", "how many units of 64484 with 64483",
     both=M("64484: MUE 4", "64483: MUE 1", "ZZZ"), cpt=True)
case("mue-none", "units", "units limit for G2211?",
     both=M("No MUE in the loaded data for: G2211"))
case("mue-dose-ceftriaxone", "dose", "1 gram ceftriaxone J0696 how many units",
     both=M("J0696: MUE 16", "1 unit = 250 mg"))
# ---- global / fee -----------------------------------------------------------------
case("global-090", "global days", "Global days for 27447?",
     both=MN(["27447: global 090 = 90 days", "pre-operative 10%, intra-operative 69%, post-operative 21%"], ["Team surgery (66)"]), cpt=True)
case("global-010", "post op", "what's the post-op period for 17110",
     both=M("17110: global 010 = 10 days", "10-day global"), cpt=True)
case("global-zzz", "global", "global period for 11045?",
     both=M("11045 is an add-on code", "N122", "Report only with its primary procedure"), cpt=True)
case("fee-rvu", "RVUs", "RVUs and national payment for 93000",
     both=M("93000 0.17 0.24", "0.43", "$13.91", "$32.3465", "CY2025", "GPCI", "Multiple procedures   6 = "), cpt=True)
case("fee-pctc", "fee", "how much does medicare pay for 71046, and the 26?",
     both=M("71046 26 0.22 0.08 0.08 0.01 0.31 0.31 $10.03 $10.03", "71046 TC 0.00 0.69", "$22.64", "$32.67"), cpt=True)
case("fee-facility", "rate", "reimbursement rate for 99214 office vs facility",
     both=M("$125.18", "$93.80", "99214 1.92 1.80 0.83 0.15 3.87 2.90"), cpt=True)
case("fee-major", "fee", "what is the fee for 27447 and global",
     both=M("$1257.63", "27447: global 090"), cpt=True)
case("fee-bundled", "pay", "does 99024 pay anything?",
     both=M("99024", "B = bundled code", "no national fee-schedule amount"), cpt=True)
case("fee-excluded-lab", "payment", "payment for 80053?",
     both=M("X = statutory exclusion", "no national fee-schedule amount"), cpt=True)
# ---- coverage ---------------------------------------------------------------------
case("coverage-lcd", "coverage", "Is 93000 covered for E11.9? medical necessity",
     both=MN(["Coverage: what the reference files say", "Local Coverage Determinations", "cannot say whether this service is covered", "Medicare Coverage Database"], ["is covered for E11.9"]), cpt=True)
case("coverage-hcpcs", "covered?", "is A0425 covered by medicare",
     both=M("PFS status X", "HCPCS coverage code", "LCD"))
case("coverage-abn", "ABN", "need an ABN for G0439? will it be denied",
     both=M("ABN", "GA", "G0439", "HCPCS coverage code C: carrier judgment"))
# ---- guideline / crosswalk / other -------------------------------------------------
case("guide-addon", "add-on", "rules for add-on code 11103 with 11102?",
     both=M("is an add-on code (global ZZZ)", "11103"), cpt=True)
case("guide-none", "question", "what is the guideline for 97110 timed units?",
     both=M("97110"), cpt=True)
case("crosswalk-gem", "icd-9", "what is the icd-9 equivalent of E11.9",
     full=M("E11.9", "ICD-9-CM 250.00", "approximate", "GEMs are a translation aid"),
     sample=M("not loaded in this reference data"))
case("crosswalk-combo", "gem", "crosswalk E11.65 to icd9",
     full=M("250.80", "ICD-9-CM"), budget=90)
# ---- mixed, forwarded, html, unknown, phi ------------------------------------------
case("multi-question", "several questions", "1) what is the global for 66984? 2) MUE for J3301, we gave 8 units 3) is M17.11 billable?",
     both=M("66984: global 090", "J3301: MUE 16", "8 units is within the MUE of 16", "M17.11", "Billable: yes"), cpt=True, budget=90)
case("forwarded-chain", "Fwd: coding question", "Can you answer this one for 99213 + 20610 please?\n\n---------- Forwarded message ---------\nFrom: Dr. Smith <smith@clinic.example>\nSubject: coding\n\nWhat modifier for 99213 with 20610 today?\n",
     both=M("99213", "20610"), cpt=True)
case("html-only", "html question", "<html><body><p>Hi,</p><p>What is the <b>MUE</b> for <i>J1100</i>? We gave 12 units.</p></body></html>",
     both=M("J1100: MUE 120", "12 units is within the MUE of 120", "1 unit = 1 mg"), html=True)
case("unknown-code", "code", "What is CPT 99299? and cpt 20610",
     both=MN(["99299 is not in the loaded releases", "No other code is offered"], ["Nearest real codes", "99298", "99291", "could not find"]), cpt=True)
# ---- issue 14: modifiers alone, codes not in the data, distractors, DOS outside --------
case("modonly-ga-gy", "GA or GY?", "GA or GY? The patient signed an ABN for a service Medicare never covers.",
     both=MN(["GA or GY: GA =", "GY =", "Mixed up with"], ["not a modifier in the loaded data", "I could not find"]),
     full=M("effective 1995-01-01", "HCPCS 2026 Q1 (Jan)"))
case("modonly-26", "modifier question", "when is 26 used?",
     both=MN(["26 (CPT): Professional component", "not TC"], ["I could not find"]), cpt=True)
case("modonly-ku", "KU", "is KU still valid for K0005?",
     full=MN(["KU (Level II)", "competitive bidding", "effective 2007-07-01, no end date"], ["not a modifier in the loaded data"]))
case("notfound-72291", "what is this", "What is 72291?",
     both=MN(["72291 is not in the loaded releases", "No other code is offered"], ["I could not find", "72290", "72292", "72295", "Nearest"]))
case("distractor-rtp", "RTP", "We got RTP code 12345 on our claim for 99213, what do we fix?",
     both=MN(["99213"], ["12345 is not in the loaded", "12345 NOT", "I could not find"]), cpt=True)
case("dos-before-start", "G2211 in 2020", "DOS 01/05/2020, can I bill G2211?",
     both=M("Date of service 2020-01-05 is BEFORE G2211 took effect (2021-01-01", "Answers are for the date of service 2020-01-05"))
case("phi-caution", "pt question", "Patient name John Doe DOB 01/02/1950 MRN 123456, can I bill 99214?",
     both=MN(["99214", "seems to contain patient information"], ["John Doe", "123456"]), cpt=True)
case("no-code", "question", "hello, I have a question about coding in general",
     both=M("I could not find a procedure or diagnosis code", "What is 99214?"), cpt=False)
case("range-em", "E/M", "what are 99202-99205",
     both=M("99202", "99203", "99204", "99205"), cpt=True)
case("units-and-ncci", "two q", "Can I bill 96372 with J1885 and how many units of J1885 for 60mg?",
     both=M("96372 + J1885: no edit found", "J1885: MUE 8", "1 unit = 15 mg"))
case("spanish-ish-typo", "pregunta", "wat is 99213 n 99214 pls",
     both=M("99213", "99214"), cpt=True)

for c in cases:
    fn = os.path.join(OUT, c["name"] + ".eml")
    body = c["body"]
    ctype = "text/html" if c["html"] else "text/plain"
    hdr = (f"From: {c['frm']}\r\nTo: Coding Consultant <consult@codemaild.example>\r\n"
           f"Subject: {c['subject']}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
           f"Message-ID: <ans-{c['name']}@clinic.example>\r\nMIME-Version: 1.0\r\n"
           f"Content-Type: {ctype}; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
    with open(fn, "w", newline="") as f:
        f.write(hdr + body.replace("\n", "\r\n") + "\r\n")
exp = {}
for c in cases:
    e = {}
    for k in ("both", "sample", "full"):
        if c[k]:
            e[k] = c[k]
    if c["cpt"] is not None:
        e["cpt"] = c["cpt"]
    if c["quote"]:
        e["quote"] = c["quote"]
    if c["budget"]:
        e["budget"] = c["budget"]
    exp[c["name"]] = e
with open(os.path.join(OUT, "expect.json"), "w") as f:
    json.dump(exp, f, indent=1, sort_keys=True)
print(len(cases), "cases")
