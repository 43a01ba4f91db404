#!/usr/bin/env python3
"""Builds data/sample/*.tsv: our plain-language descriptions (written by the codemaild
authors, below) next to TRUE values copied from the genuine CMS/CDC files in
../shared/data (see data/sample/README.md for which file gave which column).

Run once by a maintainer: python3 scripts/make-sample.py [SHARED_DATA_DIR]
It never writes CPT descriptor text: the RVU file's DESCRIPTION column is not read.
"""
import csv
import hashlib
import io
import os
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "..", "shared", "data")
OUT = os.path.join(TOP, "data", "sample")

HCPCS_FILE = "hcpcs/HCPC2026_JAN_ANWEB_01122026.txt"
RVU_FILE = "pfs_rvu/PPRRVU2025_Oct.txt"
MUE_FILE = "mue/MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"
ICD_FILE = "icd10cm/icd10cm-order-Jan-2021.txt"
PTP_FILE = "ncci_ptp/ccipra-v322r0-f1.excerpt.txt"

# code, family, our plain-language description (our own words, not AMA text)
CODES = [
    ("99202", "cpt1", "Office or outpatient visit for a new patient with straightforward medical decision making, or at least 15 minutes of the clinician's total time that day."),
    ("99203", "cpt1", "Office or outpatient visit for a new patient with low-complexity medical decision making, or at least 30 minutes of total time that day."),
    ("99204", "cpt1", "Office or outpatient visit for a new patient with moderate-complexity medical decision making, or at least 45 minutes of total time that day."),
    ("99205", "cpt1", "Office or outpatient visit for a new patient with high-complexity medical decision making, or at least 60 minutes of total time that day."),
    ("99211", "cpt1", "Short office visit for an established patient that may not need a physician or other qualified practitioner present, for example a nurse blood-pressure check."),
    ("99212", "cpt1", "Office or outpatient visit for an established patient with straightforward medical decision making, or at least 10 minutes of total time that day."),
    ("99213", "cpt1", "Office or outpatient visit for an established patient with low-complexity medical decision making, or at least 20 minutes of total time that day."),
    ("99214", "cpt1", "Office or outpatient visit for an established patient with moderate-complexity medical decision making, or at least 30 minutes of total time that day."),
    ("99215", "cpt1", "Office or outpatient visit for an established patient with high-complexity medical decision making, or at least 40 minutes of total time that day."),
    ("99283", "cpt1", "Emergency department visit with low-complexity medical decision making."),
    ("99284", "cpt1", "Emergency department visit with moderate-complexity medical decision making."),
    ("99395", "cpt1", "Yearly preventive check-up of an established patient aged 18 to 39: history, examination and counselling, with no illness being treated."),
    ("99396", "cpt1", "Yearly preventive check-up of an established patient aged 40 to 64."),
    ("99406", "cpt1", "Counselling to stop smoking or using tobacco, more than 3 and up to 10 minutes."),
    ("99417", "cpt1", "Add-on for a prolonged office or outpatient visit: each further 15 minutes beyond the time needed for the highest-level visit (99205 or 99215)."),
    ("99497", "cpt1", "Advance care planning discussion with the patient, family or surrogate, first 30 minutes."),
    ("99024", "cpt1", "Follow-up visit after an operation that is already included in the operation's global period; reported for tracking, not paid separately."),
    ("96160", "cpt1", "Giving and scoring a standardised health-risk questionnaire focused on the patient."),
    ("G0438", "hcpcs", "Medicare annual wellness visit, the first one, with a personalised prevention plan."),
    ("G0439", "hcpcs", "Medicare annual wellness visit in a later year: the personalised prevention plan is reviewed and updated."),
    ("G0442", "hcpcs", "Yearly screening for alcohol misuse, 5 to 15 minutes."),
    ("G2211", "hcpcs", "Add-on to an office visit for the extra work of being the continuing point of care for a patient, or of ongoing care for one serious or complex condition."),
    ("20610", "cpt1", "Drawing fluid from, or injecting medicine into, a large joint or bursa such as the knee or shoulder, without ultrasound guidance."),
    ("20611", "cpt1", "The same large-joint aspiration or injection done with ultrasound guidance, with the images kept and reported."),
    ("20552", "cpt1", "Trigger-point injections into one or two muscles."),
    ("32120", "cpt1", "Reopening the chest (thoracotomy) to treat a complication after an earlier chest operation."),
    ("36415", "cpt1", "Routine blood draw from a vein with a needle (venipuncture)."),
    ("93000", "cpt1", "Electrocardiogram (ECG) with at least 12 leads: the tracing plus the physician's interpretation and written report."),
    ("93005", "cpt1", "Electrocardiogram tracing only, without the interpretation and report."),
    ("93010", "cpt1", "Interpretation and written report of an electrocardiogram only; the tracing was made separately."),
    ("71045", "cpt1", "Chest X-ray, one view."),
    ("71046", "cpt1", "Chest X-ray, two views (for example front and side)."),
    ("70450", "cpt1", "CT scan of the head or brain without contrast dye."),
    ("72148", "cpt1", "MRI of the lower (lumbar) spine without contrast dye."),
    ("76700", "cpt1", "Complete ultrasound examination of the abdomen."),
    ("77067", "cpt1", "Screening mammogram of both breasts, including computer-aided detection when used."),
    ("45378", "cpt1", "Diagnostic colonoscopy: the whole colon is examined with a flexible scope, with samples taken by brushing or washing if needed."),
    ("45380", "cpt1", "Colonoscopy with one or more tissue samples (biopsies) taken."),
    ("45385", "cpt1", "Colonoscopy with removal of polyps or other growths using a wire snare."),
    ("29881", "cpt1", "Knee arthroscopy (keyhole surgery) removing or trimming torn meniscus on one side of the knee, including smoothing of damaged cartilage when done."),
    ("27447", "cpt1", "Total knee replacement."),
    ("27130", "cpt1", "Total hip replacement."),
    ("66984", "cpt1", "Cataract removal with insertion of an artificial lens, standard technique."),
    ("47562", "cpt1", "Keyhole (laparoscopic) removal of the gallbladder."),
    ("49505", "cpt1", "Open repair of a first-time groin (inguinal) hernia that can be pushed back in, patient aged 5 or older."),
    ("59400", "cpt1", "Routine obstetric care for a vaginal delivery, billed once: care during the pregnancy, the delivery itself and care after the birth."),
    ("11042", "cpt1", "Removing dead or damaged tissue from a wound down to the fat layer under the skin, first 20 square centimetres or less."),
    ("11045", "cpt1", "Add-on to 11042: each further 20 square centimetres, or part of it, cleaned to the same depth."),
    ("11102", "cpt1", "Skin biopsy by a shaving (tangential) technique, first lesion."),
    ("11103", "cpt1", "Add-on: each further lesion biopsied by the shaving technique."),
    ("11721", "cpt1", "Trimming and thinning (debridement) of six or more nails."),
    ("17110", "cpt1", "Destroying harmless skin growths such as common warts, for example by freezing, up to 14 lesions."),
    ("12001", "cpt1", "Simple stitching of a shallow wound of the scalp, neck, armpit, genitals, trunk or limbs, 2.5 cm long or less."),
    ("10060", "cpt1", "Cutting open and draining a simple or single skin abscess, such as a boil or an infected cyst."),
    ("64483", "cpt1", "Steroid injection into the epidural space through the side opening of the spine (transforaminal) in the lower back, one level, with imaging guidance."),
    ("64484", "cpt1", "Add-on to 64483: each further lower-back level injected."),
    ("97110", "cpt1", "Therapeutic exercise to build strength, endurance, range of motion or flexibility, each 15 minutes."),
    ("97140", "cpt1", "Hands-on manual therapy such as joint mobilisation or manual traction, each 15 minutes."),
    ("97530", "cpt1", "Therapeutic activities using dynamic movements to improve everyday function, each 15 minutes."),
    ("97161", "cpt1", "Physical therapy evaluation of low complexity."),
    ("90471", "cpt1", "Giving one vaccine by injection (the first one that day); the vaccine itself is billed with its own code."),
    ("90472", "cpt1", "Add-on: each further vaccine given by injection the same day."),
    ("96372", "cpt1", "Injection of a medicine under the skin or into a muscle for treatment, diagnosis or prevention; the drug is billed separately."),
    ("80053", "cpt1", "Comprehensive metabolic panel: a standard group of 14 blood chemistry tests."),
    ("80061", "cpt1", "Lipid panel: cholesterol and related blood fats."),
    ("85025", "cpt1", "Complete blood count (CBC) with an automated count of the white-cell types."),
    ("83036", "cpt1", "Hemoglobin A1c blood test, showing average blood sugar over about three months."),
    ("81002", "cpt1", "Urine dipstick test read by eye, without a microscope."),
    ("87635", "cpt1", "Laboratory test for the COVID-19 virus (SARS-CoV-2) by amplified nucleic-acid probe."),
    ("3074F", "cpt2", "Quality-reporting code: the most recent systolic blood pressure was below 130 mm Hg."),
    ("1036F", "cpt2", "Quality-reporting code: the patient currently does not use tobacco."),
    ("0591T", "cpt3", "Health and well-being coaching, one patient, first assessment (an emerging-technology code)."),
    ("J1745", "hcpcs", "Infliximab (the original brand, not a biosimilar) given by infusion, billed per 10 mg."),
    ("J1885", "hcpcs", "Ketorolac, an anti-inflammatory pain-relief injection, billed per 15 mg."),
    ("J3301", "hcpcs", "Triamcinolone acetonide, a steroid injection, billed per 10 mg."),
    ("J0696", "hcpcs", "Ceftriaxone, an antibiotic injection, billed per 250 mg."),
    ("J1100", "hcpcs", "Dexamethasone sodium phosphate, a steroid injection, billed per 1 mg."),
    ("G0008", "hcpcs", "Giving a flu vaccine (the administration only; the vaccine has its own code)."),
    ("A4550", "hcpcs", "Surgical tray of supplies."),
    ("A0425", "hcpcs", "Ground ambulance mileage, per mile."),
    ("E0114", "hcpcs", "A pair of adjustable or fixed underarm crutches, not wooden, with pads, tips and handgrips."),
    ("L3908", "hcpcs", "Ready-made (off-the-shelf) wrist-hand splint that holds the wrist bent back (cock-up), not custom moulded."),
]

# modifier, level (1 = CPT modifier: only our text; 2 = HCPCS Level II: official text too)
MODIFIERS = [
    ("24", 1, "An evaluation and management service, unrelated to the surgery, by the same physician during the post-operative (global) period."),
    ("25", 1, "A significant, separately identifiable evaluation and management service by the same physician on the same day as a procedure or other service."),
    ("26", 1, "Professional component only: the physician's interpretation part of a service that has professional and technical parts."),
    ("50", 1, "Bilateral procedure: the same procedure done on both sides of the body in the same session."),
    ("51", 1, "Multiple procedures: more than one procedure done in the same session by the same physician."),
    ("57", 1, "Decision for surgery: the evaluation and management visit, on the day before or the day of a major operation, at which the decision to operate was made."),
    ("58", 1, "A staged or related procedure by the same physician during the post-operative period: planned, more extensive than the first, or therapy after a diagnostic procedure."),
    ("59", 1, "Distinct procedural service: a procedure not normally reported with another one, but separate here (other session, site, incision, lesion or injury). Prefer XE, XP, XS or XU when one fits."),
    ("76", 1, "Repeat procedure or service by the same physician on the same day."),
    ("77", 1, "Repeat procedure or service by a different physician on the same day."),
    ("78", 1, "Unplanned return to the operating or procedure room by the same physician, for a related procedure during the post-operative period."),
    ("79", 1, "A procedure or service unrelated to the surgery, by the same physician during the post-operative period."),
    ("TC", 2, "Technical component only: the equipment, staff and supplies part of a service, without the physician's interpretation."),
    ("LT", 2, "Procedure done on the left side of the body."),
    ("RT", 2, "Procedure done on the right side of the body."),
    ("XE", 2, "Separate encounter: the service is distinct because it happened at a different encounter on the same day."),
    ("XP", 2, "Separate practitioner: the service is distinct because a different practitioner performed it."),
    ("XS", 2, "Separate structure: the service is distinct because it was done on a different organ or structure."),
    ("XU", 2, "Unusual non-overlapping service: the service is distinct because it does not overlap the usual parts of the main service."),
    ("GA", 2, "A waiver of liability (ABN) was given to the patient as the payer's policy requires and is on file."),
    ("GY", 2, "The item or service is excluded by law or is not a benefit (for Medicare), or not a contract benefit (other insurers)."),
    ("GZ", 2, "The item or service is expected to be denied as not reasonable and necessary, and no waiver of liability (ABN) is on file."),
    ("KX", 2, "The requirements in the payer's medical policy have been met, for example therapy above the yearly threshold that is medically necessary."),
    ("JW", 2, "The amount of a single-use drug that was discarded and not given to any patient."),
    ("JZ", 2, "No amount of a single-use drug was discarded: the whole amount was given."),
]

ICD = ["E11", "E114", "E1140", "E1141", "E1142", "E1143", "E1144", "E1149", "E1165", "E119",
       "M171", "M1710", "M1711", "M1712", "Z000", "Z0000", "Z0001", "I10", "J069", "R079",
       "Z23", "E785", "M545"]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def tsv(name, header, rows, comment):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
        for c in comment:
            f.write("# " + c + "\n")
        f.write("\t".join(header) + "\n")
        for r in rows:
            vals = ["" if v is None else str(v) for v in r]
            assert not any("\t" in v or "\n" in v for v in vals), r
            f.write("\t".join(vals) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    codes = {c for c, _, _ in CODES}
    gen = "generated by scripts/make-sample.py from %s (sha256 %s)"

    # HCPCS Level II: codes and modifiers (public domain text)
    hc = {}
    hm = {}
    path = os.path.join(DATA, HCPCS_FILE)
    for line in open(path, encoding="ascii"):
        line = line.rstrip("\r\n")
        if len(line) < 293:
            continue
        ric = line[10]
        key = line[0:5].strip()
        tgt = hc if ric in "34" else hm if ric in "78" else None
        if tgt is None:
            continue
        if ric in "37":
            tgt[key] = {"long": line[11:91].rstrip(), "short": line[91:119].strip(),
                        "cov": line[229].strip(), "betos": line[256:259].strip(),
                        "added": line[268:276].strip(), "act": line[276:284].strip(),
                        "term": line[284:292].strip(), "action": line[292].strip(),
                        "xref": ",".join(x for x in (line[204 + 5 * i:209 + 5 * i].strip() for i in range(5)) if x)}
        elif key in tgt:
            tgt[key]["long"] = tgt[key]["long"].rstrip() + " " + line[11:91].strip()
    rows = []
    for c, fam, _ in CODES:
        if fam == "hcpcs":
            r = hc[c]
            rows.append((c, r["long"], r["short"], r["cov"], r["betos"], r["action"], r["added"],
                         r["act"], r["term"], r["xref"]))
    tsv("hcpcs.tsv", ["code", "long", "short", "coverage", "betos", "action", "added",
                      "action_eff", "end", "xref"], rows,
        ["HCPCS Level II rows (public domain CMS text and values), " + gen % (HCPCS_FILE, sha256(path))])

    mods = []
    for m, lvl, lay in MODIFIERS:
        if lvl == 2:
            r = hm[m]
            mods.append((m, lvl, lay, r["long"], r["short"]))
        else:
            mods.append((m, lvl, lay, "", ""))
    tsv("modifiers.tsv", ["mod", "level", "lay", "official_long", "official_short"], mods,
        ["lay = our own words; official_* = HCPCS Level II modifier text (public domain) from " + HCPCS_FILE,
         "CPT (level 1) modifiers have no official text here: that text is AMA copyright."])

    tsv("codes.tsv", ["code", "family", "lay"], CODES,
        ["Plain-language descriptions written by the codemaild authors (not AMA descriptors)."])

    # RVUs (no description column is ever read)
    path = os.path.join(DATA, RVU_FILE)
    rv = []
    for line in open(path, encoding="latin-1"):
        line = line.rstrip("\r\n")
        if line.startswith("HDR") or len(line) < 147:
            continue
        c = line[0:5]
        if c not in codes:
            continue
        f = lambda a, b: line[a - 1:b].strip()
        rv.append((c, f(6, 7), f(58, 58), f(60, 65), f(67, 72), f(73, 74), f(76, 81), f(82, 83),
                   f(85, 89), f(91, 96), f(97, 102), f(103, 103), f(104, 106), f(107, 109),
                   f(110, 112), f(113, 115), f(116, 116), f(117, 117), f(118, 118), f(119, 119),
                   f(120, 120), f(128, 132), f(133, 140)))
    tsv("rvu.tsv", ["code", "mod", "status", "work", "pe_nf", "pe_nf_na", "pe_f", "pe_f_na", "mp",
                    "total_nf", "total_f", "pctc", "global", "pre_op", "intra_op", "post_op",
                    "mult_proc", "bilateral", "assistant", "co_surgery", "team_surgery",
                    "endo_base", "conv_factor"], rv,
        ["PFS RVU values and indicators, " + gen % (RVU_FILE, sha256(path)),
         "The file's DESCRIPTION column (CPT text, AMA copyright) is deliberately not copied."])

    # MUE
    path = os.path.join(DATA, MUE_FILE)
    mu = []
    with open(path, encoding="cp1252", newline="") as fh:
        for rec in csv.reader(fh):
            if len(rec) >= 4 and rec[0] in codes:
                mai = rec[2].split(" ", 1)
                mu.append((rec[0], rec[1], mai[0], mai[1] if len(mai) > 1 else "", rec[3]))
    tsv("mue.tsv", ["code", "value", "mai", "mai_text", "rationale"], mu,
        ["Practitioner MUE values, " + gen % (MUE_FILE, sha256(path))])

    # ICD-10-CM
    path = os.path.join(DATA, ICD_FILE)
    ic = {}
    for line in open(path, encoding="ascii"):
        line = line.rstrip("\r\n")
        code = line[6:13].strip()
        if code in ICD:
            ic[code] = (code, line[14], line[16:76].strip(), line[77:].strip())
    missing = [c for c in ICD if c not in ic]
    assert not missing, missing
    tsv("icd10.tsv", ["code", "billable", "short_title", "long_title"], [ic[c] for c in ICD],
        ["ICD-10-CM codes (public domain CDC text), " + gen % (ICD_FILE, sha256(path))])

    # NCCI PTP: every row of the genuine excerpt, nothing else
    path = os.path.join(DATA, PTP_FILE)
    pt = []
    with open(path, encoding="cp1252") as fh:
        for i, line in enumerate(fh):
            if i < 6:
                continue
            f = line.rstrip("\r\n").split("\t")
            if len(f) == 7:
                pt.append(f)
    tsv("ptp.tsv", ["col1", "col2", "pre1996", "effective", "deletion", "modifier", "rationale"], pt,
        ["NCCI PTP practitioner edits: all rows of the genuine excerpt, " + gen % (PTP_FILE, sha256(path)),
         "Only these pairs are genuine; the sample has no other NCCI pairs."])

    tsv("sources.tsv", ["dataset", "release", "effective", "vintage", "source", "sha256"], [
        ("hcpcs", "2026 Q1 (Jan)", "2026-01-01", "HCPCS 2026 Q1 (Jan) excerpt", HCPCS_FILE, sha256(os.path.join(DATA, HCPCS_FILE))),
        ("pfs_rvu", "2025 Oct (RVU25D)", "2025-10-01", "PFS RVU 2025 Oct (RVU25D) excerpt", RVU_FILE, sha256(os.path.join(DATA, RVU_FILE))),
        ("mue_practitioner", "2026-04-01", "2026-04-01", "MUE 2026-04-01 excerpt", MUE_FILE, sha256(os.path.join(DATA, MUE_FILE))),
        ("icd10cm", "FY2021", "2021-01-01", "ICD-10-CM FY2021 excerpt", ICD_FILE, sha256(os.path.join(DATA, ICD_FILE))),
        ("ptp_practitioner", "2026 Q3 v32.2", "2026-07-01", "NCCI PTP 2026 Q3 v32.2 excerpt", PTP_FILE, sha256(os.path.join(DATA, PTP_FILE))),
        ("lay", "codemaild sample", "", "codemaild plain-language text", "data/sample", ""),
    ], ["Which official release each sample dataset was cut from."])

    tsv("meta.tsv", ["key", "value"], [("is_sample", "1"),
                                        ("note", "codemaild sample data: true values for a few codes, not for billing")],
        ["is_sample = 1: replies say this is sample data, not for billing."])
    print("codes %d, modifiers %d, rvu rows %d, mue %d, icd10 %d, ptp %d" %
          (len(CODES), len(MODIFIERS), len(rv), len(mu), len(ic), len(pt)))


main()
