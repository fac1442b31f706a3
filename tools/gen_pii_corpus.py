#!/usr/bin/env python3
"""Writes tests/data/pii/corpus.jsonl: labelled sentences for the PII scanner.

Each line is {"text": ..., "spans": [{"start", "end", "type"}]} with offsets
in code points (end exclusive). Sentences mix Chinese and English templates
with values in their written variants (grouped, prefixed, bracketed) and
decoys that must not be flagged: wrong check characters, impossible dates,
Luhn failures, order numbers, timestamps, version strings, clock times, MAC
addresses, train numbers. Values are generated here from the rules of each
number plan, independently of the C++ detectors. Deterministic (seeded):

    tools/gen_pii_corpus.py > tests/data/pii/corpus.jsonl
"""
import json
import random
import re
import sys

rng = random.Random(20261208)

REGIONS = ["110101", "110105", "310104", "310115", "440305", "440106", "330106", "510107",
           "420102", "320102", "610113", "210102", "500103", "370202", "350203", "130102",
           "410105", "230102", "650102", "450103", "530102", "140105", "220102", "360102"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "145", "147",
                   "150", "151", "152", "155", "157", "158", "159", "166", "170", "173", "176",
                   "177", "178", "180", "181", "182", "185", "186", "187", "188", "189", "191",
                   "198", "199"]
AREAS = ["010", "021", "020", "022", "023", "024", "025", "027", "028", "029", "0755", "0571",
         "0512", "0731", "0532", "0592", "0351", "0871", "0898", "0431"]
NAMES = ["zhang.san", "li_si", "wangwu", "chen.xiaoming", "liu+billing", "alice", "bob.smith",
         "j.doe", "ops-team", "hr2024", "support", "zhao.lei88", "sun_mei", "dev.null"]
DOMAINS = ["qq.com", "163.com", "126.com", "example.com", "corp.example.cn", "mail.bank-xyz.com.cn",
           "hospital.org.cn", "gmail.com", "outlook.com", "sina.com.cn", "company.io"]


def digits(n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def id_check(first17):
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def birth_date():
    year = rng.randint(1940, 2012)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    return f"{year:04d}{month:02d}{day:02d}"


def luhn_digit(body):
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def card_number():
    kind = rng.choice(["unionpay16", "unionpay19", "visa", "master", "amex", "jcb", "unionpay16"])
    if kind == "unionpay16":
        body = "62" + rng.choice(["2202", "2848", "1700", "2588", "1483"]) + digits(9)
    elif kind == "unionpay19":
        body = "62" + rng.choice(["2202", "1226", "2700"]) + digits(12)
    elif kind == "visa":
        body = "4" + digits(14)
    elif kind == "master":
        body = str(rng.randint(51, 55)) + digits(13)
    elif kind == "amex":
        body = rng.choice(["34", "37"]) + digits(12)
    else:
        body = "35" + str(rng.randint(28, 89)) + digits(11)
    return body + luhn_digit(body)


def group(number, sizes, sep):
    out, i = [], 0
    for s in sizes:
        out.append(number[i:i + s])
        i += s
    if i < len(number):
        out.append(number[i:])
    return sep.join(out)


# ---- values (type, text) ----

def v_cn_id():
    first17 = rng.choice(REGIONS) + birth_date() + digits(3)
    value = first17 + id_check(first17)
    form = rng.random()
    if form < 0.12:
        return group(value, [6, 8, 4], " ")
    if form < 0.2 and value.endswith("X"):
        return value[:-1] + "x"
    return value


def v_mobile():
    number = rng.choice(MOBILE_PREFIXES) + digits(8)
    forms = [number, number, number, "+86 " + number, "+86-" + number, "86-" + number,
             "+86" + number, group(number, [3, 4, 4], " "), group(number, [3, 4, 4], "-"),
             "+86 " + group(number, [3, 4, 4], " "), "+86-" + group(number, [3, 4, 4], "-")]
    return rng.choice(forms)


def v_landline():
    area = rng.choice(AREAS)
    local = str(rng.randint(2, 8)) + digits(7 if len(area) == 3 or rng.random() < 0.7 else 6)
    split = 4 if len(local) == 8 else 3
    forms = [f"{area}-{local}", f"{area}-{local}", f"({area}){local}",
             f"({area}){local[:split]}-{local[split:]}", f"（{area}）{local}",
             f"{area} {local[:split]} {local[split:]}", f"{area}-{local[:split]}-{local[split:]}",
             f"({area}) {local}"]
    return rng.choice(forms)


def v_bank_card():
    number = card_number()
    form = rng.random()
    if number[:2] in ("34", "37"):
        return group(number, [4, 6, 5], " ") if form < 0.5 else number
    if form < 0.35:
        return group(number, [4, 4, 4, 4], " ")
    if form < 0.45:
        return group(number, [4, 4, 4, 4], "-")
    return number


def v_email():
    return rng.choice(NAMES) + "@" + rng.choice(DOMAINS)


def v_ipv4():
    kind = rng.random()
    if kind < 0.3:
        return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if kind < 0.5:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return ".".join(str(rng.randint(1, 223)) for _ in range(4))


def v_ipv6():
    groups = [format(rng.randint(0, 0xFFFF), "x") for _ in range(8)]
    forms = ["2001:db8::" + groups[0], "fe80::" + ":".join(groups[:4]), ":".join(groups),
             "2409:8a00:" + ":".join(groups[:2]) + "::" + groups[3], "::1",
             "::ffff:192.168." + str(rng.randint(0, 255)) + "." + str(rng.randint(1, 254)),
             ":".join(g.upper() for g in groups)]
    return rng.choice(forms)


def v_passport():
    form = rng.random()
    if form < 0.5:
        return "E" + digits(8)
    if form < 0.75:
        return "G" + digits(8)
    return "E" + rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + digits(7)


VALUES = {"cn_id": v_cn_id, "cn_mobile": v_mobile, "landline": v_landline,
          "bank_card": v_bank_card, "email": v_email, "ipv4": v_ipv4, "ipv6": v_ipv6,
          "passport": v_passport}

# ---- decoys (must not be flagged) ----


def d_id_bad_check():
    first17 = rng.choice(REGIONS) + birth_date() + digits(3)
    good = id_check(first17)
    return first17 + rng.choice([c for c in "0123456789X" if c != good])


def d_id_bad_date():
    first17 = rng.choice(REGIONS) + rng.choice(["19900230", "20011301", "19870431", "19990000",
                                                "21500101", "18991231", "20230229"]) + digits(3)
    return first17 + id_check(first17)


def d_id_bad_region():
    first17 = rng.choice(["990101", "000000", "110001", "910102"])[:6] + birth_date() + digits(3)
    return first17 + id_check(first17)


def d_card_luhn():
    number = card_number()
    last = str((int(number[-1]) + rng.randint(1, 9)) % 10)
    return number[:-1] + last


def d_order():
    return rng.choice(["2023", "2024", "2025"]) + f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
        + digits(rng.choice([8, 10, 12]))


def d_timestamp():
    forms = [str(rng.randint(1600000000, 1800000000)), str(rng.randint(1600000000000, 1800000000000)),
             f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:"
             f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
             f"2024{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 23):02d}"
             f"{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}",
             f"2023-{rng.randint(1, 12):02d}-{rng.randint(10, 28)}T08:15:30Z"]
    return rng.choice(forms)


def d_version():
    return rng.choice([f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}",
                       f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 30)}",
                       f"10.0.{rng.randint(17000, 22631)}.{rng.randint(100, 4000)}",
                       f"1.{rng.randint(60, 90)}.0", f"3.{rng.randint(8, 13)}.{rng.randint(0, 9)}"])


def d_mobile_like():
    return rng.choice(["12" + digits(9), "10" + digits(9), "154" + digits(8), "1" + digits(11),
                       "2024" + rng.choice(MOBILE_PREFIXES) + digits(8)])


def d_misc():
    return rng.choice([
        ":".join(format(rng.randint(0, 255), "02x") for _ in range(6)),  # MAC address
        f"G{rng.randint(1, 9999)}", f"D{rng.randint(100, 999)}",  # train numbers
        f"{rng.randint(10, 23)}:{rng.randint(10, 59)}", "std::vector", "@张三",
        "admin@localhost", f"{rng.randint(256, 999)}.{rng.randint(0, 255)}.1.1",
        f"SF{digits(12)}", f"No.{digits(6)}", f"0{rng.randint(1, 9)}-{rng.randint(10, 28)}",
        f"{rng.randint(1, 99)}.{rng.randint(0, 99)}%", f"E{digits(5)}",
    ])


DECOYS = {"d_id_check": d_id_bad_check, "d_id_date": d_id_bad_date, "d_id_region": d_id_bad_region,
          "d_card": d_card_luhn, "d_order": d_order, "d_time": d_timestamp,
          "d_version": d_version, "d_mobile": d_mobile_like, "d_misc": d_misc}

TEMPLATES_ZH = [
    "客户身份证号是{cn_id}，请核对。",
    "我的手机号{cn_mobile}，有事随时联系。",
    "请拨打{landline}转8001找前台。",
    "退款请打到卡号{bank_card}，户名张三。",
    "简历请发到{email}，谢谢！",
    "服务器{ipv4}的6379端口无法访问，地址是{ipv4}:6379。",
    "新机房的地址段是{ipv6}，网关在[{ipv6}]:443。",
    "旅客护照号码：{passport}，航班下午三点。",
    "张先生（身份证{cn_id}，电话{cn_mobile}）今天来办理开户。",
    "订单号{d_order}已发货，客服电话{landline}。",
    "身份证号{d_id_check}校验失败，请重新输入。",
    "出生日期不对：{d_id_date}这个号码无效。",
    "该卡号{d_card}校验不通过，系统拒绝。",
    "版本{d_version}已发布，下载量超过{d_order}次。",
    "日志时间戳{d_time}，请求耗时120毫秒。",
    "请于{d_time}前提交材料，联系人邮箱{email}。",
    "病人李四，联系电话{cn_mobile}，家属电话{cn_mobile}。",
    "转账失败，账号{bank_card}余额不足，请致电{landline}。",
    "护照{passport}与身份证{cn_id}信息一致。",
    "会议改到明天上午，没有别的事情。",
    "这个号码{d_mobile}不是手机号，请忽略。",
    "列车{d_misc}次晚点，预计{d_time}到达。",
    "监控显示{ipv4}在{d_time}发起了大量请求。",
    "内网DNS是{ipv4}和{ipv4}，备用IPv6为{ipv6}。",
    "请把发票寄给我，邮箱：{email}；手机：{cn_mobile}。",
    "设备MAC地址{d_misc}，固件版本{d_version}。",
    "快递单号{d_misc}，收件人电话{cn_mobile}。",
    "单号{d_order}，金额3280元，{d_time}下单。",
    "工行卡{bank_card}和建行卡{bank_card}都已冻结。",
    "身份证：{cn_id}；错误示例：{d_id_region}。",
    "合同编号HT-2024-{d_misc}，甲方联系电话{landline}。",
    "今天天气不错，我们去公园散步吧。",
    "用户反馈登录失败，IP地址{ipv4}，浏览器版本{d_version}。",
    "请核实护照号{passport}，旧证号{d_misc}已作废。",
    "手机:{cn_mobile},座机:{landline},邮箱:{email}",
    "{cn_mobile}是我的新号码，旧号{d_mobile}停用了。",
    "证件号码:{cn_id}|卡号:{bank_card}|IP={ipv4}",
    "【通知】{d_time}系统升级到{d_version}，期间{ipv4}不可用。",
    "联系方式（{cn_mobile}）已登记，紧急联系人：{cn_mobile}。",
]
TEMPLATES_EN = [
    "My ID number is {cn_id}, please keep it private.",
    "Call me at {cn_mobile} after 6 pm.",
    "The front desk is {landline}, extension 8001.",
    "Please charge card {bank_card} for the invoice.",
    "Send the report to {email} by Friday.",
    "The database at {ipv4}:6379 is down; try {ipv4} instead.",
    "Our IPv6 prefix is {ipv6} and the gateway is [{ipv6}]:8443.",
    "Passport {passport} expires next year.",
    "Order {d_order} shipped at {d_time}.",
    "Release {d_version} fixes the crash reported in build {d_order}.",
    "The checksum of ID {d_id_check} is wrong, so the form was rejected.",
    "Card {d_card} failed validation.",
    "Contact Ms. Wang ({email}, {cn_mobile}) for the contract.",
    "Customer {cn_id} called from {landline} about card {bank_card}.",
    "Nothing sensitive here, just a reminder about lunch.",
    "Timestamp {d_time} marks the start of the outage.",
    "The router ({ipv4}) and the NAS ({ipv6}) need patching.",
    "Wire the refund to {bank_card} and email {email} when done.",
    "Invalid birth date in {d_id_date}, please check.",
    "Number {d_mobile} is not a phone number.",
    "The MAC {d_misc} belongs to the printer on floor {d_misc}.",
    "Upgrade from {d_version} to {d_version} before {d_time}.",
    "Traveller with passport {passport} and mobile {cn_mobile} checked in.",
    "Ping {ipv4} and {ipv4}; both answered in 3 ms.",
    "The patient's phone is {cn_mobile}; the clinic's is {landline}.",
    "Ticket {d_misc} was closed at {d_time}.",
    "Region code {d_id_region} does not exist.",
    "We met at 10:30 and agreed on version {d_version}.",
    "Reach the on-call engineer at {email} or {cn_mobile}.",
    "Two cards on file: {bank_card} and {bank_card}.",
    "The server logs show {ipv6} connecting at {d_time}.",
    "Please use reference {d_order} when paying.",
    "{email} wrote: my card is {bank_card}.",
    "Tel:{landline}; Mobile:{cn_mobile}; ID:{cn_id}",
    "Build {d_order} on {d_time}: host={ipv4}, peer={ipv6}.",
    "IDs {d_id_check} and {d_id_date} were rejected but {cn_id} passed.",
    "Cards {d_card} (bad) and {bank_card} (good).",
]


def render(template):
    text, spans, pos = "", [], 0
    for m in re.finditer(r"\{(\w+)\}", template):
        text += template[pos:m.start()]
        name = m.group(1)
        if name in VALUES:
            value = VALUES[name]()
            spans.append({"start": len(text), "end": len(text) + len(value), "type": name})
        else:
            value = DECOYS[name]()
        text += value
        pos = m.end()
    text += template[pos:]
    return {"text": text, "spans": spans}


def main():
    lines = []
    for rounds in range(6):
        for template in TEMPLATES_ZH + TEMPLATES_EN:
            lines.append(render(template))
    for line in lines:
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
