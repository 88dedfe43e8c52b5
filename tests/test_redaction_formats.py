"""Issue 12: the formats that leaked through redact() (a Korean particle after the number, prefixes, brackets,
dashes, full-width digits, lower-case and spaced passports, the M123A4567 passport, "(at)" emails, URL-encoded
query strings), and more, in the scripts the desk sees. Each row: text around a secret, the secret, its tag."""

import pytest

from migrant_desk.redaction import redact

P, R, S, E = "[PHONE]", "[REG-NO]", "[PASSPORT]", "[EMAIL]"
CASES = [
    # Korean: particles and words glued to the number
    ("제 번호는 {}입니다", "010-9876-5432", P), ("{}로 연락주세요", "010-1234-5678", P), ("번호:{}", "01012345678", P),
    ("여권번호{}입니다", "M87654321", S), ("외국인등록번호 {}이에요", "900101-5234567", R),
    ("등록번호는 {}", "9001015234567", R), ("전화 {}으로 해주세요", "02-123-4567", P),
    ("사장님 번호 {} 이예요", "010 1234 5678", P), ("({})", "010-2222-3333", P), ("{}번으로", "031-123-4567", P),
    # prefixes, brackets, dashes, spaces
    ("tel:{}", "010-9876-5432", P), ("phone: {}", "(010)1234-5678", P), ("call {}", "(02) 123-4567", P),
    ("my number {}", "010–1234–5678", P), ("number {}", "010—1234—5678", P), ("mobile {}", "010.1234.5678", P),
    ("whatsapp {}", "+82 10 1234 5678", P), ("zalo {}", "+84 912 345 678", P), ("viber {}", "+63 917 123 4567", P),
    ("line {}", "+66 81 234 5678", P), ("call {} now", "+82-10-2222-3333", P), ("ph {}", "+977 980 1234567", P),
    ("home {}", "051-987-6543", P), ("{}", "0212345678", P), ("office {}", "02 123 4567", P),
    # full-width digits (typed on CJK keyboards)
    ("电话{}", "０１０-１２３４-５６７８", P), ("護照{}", "Ｍ１２３４５６７８", S), ("登录证号{}", "９００１０１-５２３４５６７", R),
    # passports in many shapes
    ("passport {}", "m12345678", S), ("passport no. {}", "M 12345678", S), ("hộ chiếu {}", "C1234567", S),
    ("pasport {}", "EA1234567", S), ("паспорт {}", "AB1234567", S), ("{}", "M123A4567", S),
    ("passport {} pls", "P1234567A", S), ("หนังสือเดินทาง {}", "AA1234567", S), ("ပတ်စ်ပို့ {}", "MA123456", None),
    ("pasaporte {}", "N12345678", S), ("paspor {}", "X1234567", S),
    # registration numbers with other separators
    ("ARC {}", "900101 5234567", R), ("reg {}", "900101–5234567", R), ("주민번호 {}", "850505-1234567", R),
    # emails, plain and disguised
    ("mail {}", "nguyen.van.a@gmail.com", E), ("email: {}", "kim+desk@mail.co.kr", E),
    ("{}", "user(at)example.com", E), ("{}", "user [at] example [dot] com", E), ("{}", "Somchai@Hotmail.COM", E),
    ("이메일은 {}입니다", "hong@naver.com", E), ("email {} ok", "a.b-c@sub.domain.org", E),
    # URL-encoded in an access log
    ('"GET /v1/search?q={} HTTP/1.1"', "nguyen.van.a%40gmail.com", E),
    ('"GET /x?phone={} HTTP/1.1"', "010%2D1234%2D5678", P), ('"GET /x?p={} HTTP/1.1"', "%2B82%2010%201234%205678", P),
    # other scripts around the number
    ("Số của tôi là {} nhé", "010-5555-6666", P), ("เบอร์ {} ค่ะ", "010-7777-8888", P),
    ("мой номер {}, спасибо", "010-3333-4444", P), ("नम्बर {} हो", "010-1111-2222", P),
    ("លេខទូរស័ព្ទ {}", "010-9999-0000", P), ("утасны дугаар {}", "010-8888-1111", P),
    ("電話番号は{}です", "090-1234-5678", P), ("ဖုန်း {}", "010-6666-7777", P), ("දුරකථන {}", "010-4444-5555", P),
    ("nomor saya {}", "0812-3456-7890", P), ("numero ko {} po", "0917-123-4567", P),
]
HARMLESS = [
    "2026-12-01T08:00:00.000000Z", '127.0.0.1:8000 - "GET /v1/tickets/12?after=3 HTTP/1.1" 200',
    "ticket 123456 took 250 ms", "version 0.165.0", "arc-registration", "GET /v1/tickets/12345678/messages",
    "build 20261201T063208-e26b8ded", "call 1345 for help", "1577-1366 Danuri", "E-9 visa, F-6 visa",
    "minimum wage 10,320 won", "score 0.8123", "hours mon-fri 09:00-18:00", "id-049",
]


def test_at_least_sixty_formats_are_covered():
    assert len([c for c in CASES if c[2]]) >= 60


@pytest.mark.parametrize("template,secret,tag", CASES)
def test_each_format_is_redacted(template, secret, tag):
    out = redact(template.format(secret))
    if tag is None:  # six digits after letters is not a passport shape: left alone, documented
        assert secret in out
        return
    assert tag in out, out
    plain = secret.replace("%40", "@").replace("%2D", "-")
    assert plain not in out and secret not in out, out


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == text
