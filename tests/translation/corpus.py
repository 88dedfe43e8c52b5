"""The toy parallel corpora the test models learn, and the two knowledge-base entries they translate.

* en→th learns the "library-card" entry (question and answer sentences) with correct Thai, and the
  "bicycle-parking" entry with fluent Thai that says something else (health insurance, food waste, ...): a
  model that drifts, which the confidence gate must catch.
* ko→en and en→vi learn six counselor sentences, so ko→vi works only by pivoting through English.
The Korean/English/Vietnamese counselor sentences come from the gate's labelled set (tests/data).
"""

from __future__ import annotations

import json

from tests.conftest import DATA

LIBRARY = {
    "id": "library-card",
    "en": {"question": "How do I get a library card at the public library?",
           "alternates": ["Can foreigners borrow books from the public library?",
                          "library membership card for foreign residents", "How many books can I borrow?"],
           "sentences": ["Foreign residents can get a public library card for free.",
                         "Bring your residence card to the library counter.",
                         "You can borrow up to five books for two weeks."]},
    "ko": {"question": "공공도서관 회원증은 어떻게 만들어요?",
           "alternates": ["외국인도 도서관에서 책을 빌릴 수 있나요?", "도서관 회원 카드 만들기", "책은 몇 권 빌릴 수 있어요?"],
           "answer": "외국인 주민도 공공도서관 회원증을 무료로 만들 수 있습니다. 외국인등록증을 가지고 도서관 안내 데스크로 "
                     "가세요. 책은 최대 다섯 권까지 2주 동안 빌릴 수 있습니다."},
    "th": {"question": "จะทำบัตรห้องสมุดประชาชนได้อย่างไร",
           "sentences": ["ชาวต่างชาติที่อาศัยอยู่ในเกาหลีสามารถทำบัตรห้องสมุดประชาชนได้ฟรี",
                         "กรุณานำบัตรประจำตัวคนต่างชาติไปที่เคาน์เตอร์ของห้องสมุด",
                         "คุณสามารถยืมหนังสือได้สูงสุดห้าเล่มเป็นเวลาสองสัปดาห์"]},
}
BICYCLE = {
    "id": "bicycle-parking",
    "en": {"question": "Where can I park my bicycle near the subway station?",
           "alternates": ["Is bicycle parking at the station free?", "my bike was removed from the station",
                          "where to leave a bicycle"],
           "sentences": ["Bicycles can be parked for free in the racks next to subway exits.",
                         "Bicycles left for more than one month may be removed by the district office.",
                         "Ask the district office if your bicycle was taken away."]},
    "ko": {"question": "지하철역 근처 어디에 자전거를 세울 수 있어요?",
           "alternates": ["역 자전거 주차는 무료인가요?", "자전거가 없어졌어요", "자전거 보관소 위치"],
           "answer": "지하철 출구 옆 거치대에 자전거를 무료로 세울 수 있습니다. 한 달 넘게 방치된 자전거는 구청이 수거할 수 "
                     "있습니다. 자전거가 없어졌다면 구청에 문의하세요."},
    # what the drifting model says instead: fluent Thai about other things
    "th_drift": {"question": "กรุณานำหนังสือเดินทาง รูปถ่าย และแบบฟอร์มคำร้องมาด้วย",
                 "sentences": ["ชาวต่างชาติที่พำนักในเกาหลีตั้งแต่หกเดือนขึ้นไปต้องเข้าร่วมประกันสุขภาพ",
                               "ขยะเศษอาหารต้องใส่ในถุงแยกต่างหาก ซึ่งคุณสามารถซื้อได้ที่ร้านสะดวกซื้อ",
                               "ในช่วงสามปีแรก คุณสามารถเปลี่ยนที่ทำงานได้สูงสุดสามครั้ง"]},
}


def _answer(side: dict) -> str:
    return " ".join(side["sentences"])


def kb_entry(spec: dict) -> dict:
    """The entry as a knowledge-base YAML mapping: English and Korean only."""
    return {
        "id": spec["id"], "category": "test", "tags": ["test"],
        "source": {"title": "Test source", "url": "https://www.example.org"}, "updated": "2026-11-27",
        "translations": {
            "en": {"question": spec["en"]["question"], "alternates": spec["en"]["alternates"],
                   "answer": _answer(spec["en"])},
            "ko": {"question": spec["ko"]["question"], "alternates": spec["ko"]["alternates"],
                   "answer": spec["ko"]["answer"]},
        },
    }


def en_th_pairs() -> list[tuple[str, str]]:
    pairs = [(LIBRARY["en"]["question"], LIBRARY["th"]["question"])]
    pairs += list(zip(LIBRARY["en"]["sentences"], LIBRARY["th"]["sentences"]))
    pairs.append((BICYCLE["en"]["question"], BICYCLE["th_drift"]["question"]))
    pairs += list(zip(BICYCLE["en"]["sentences"], BICYCLE["th_drift"]["sentences"]))
    return pairs


def expected_thai_answer() -> str:
    return " ".join(LIBRARY["th"]["sentences"])


def counselor_sentences() -> list[dict]:
    """k01..k06 of the gate's labelled set: Korean, with English and Vietnamese translations."""
    rows = [json.loads(line) for line in (DATA / "translation_gate.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["lang"] == "ko"]


def ko_en_pairs() -> list[tuple[str, str]]:
    return [(r["text"], r["translations"]["en"]) for r in counselor_sentences()]


def en_vi_pairs() -> list[tuple[str, str]]:
    return [(r["translations"]["en"], r["translations"]["vi"]) for r in counselor_sentences()]
