"""What the synthetic doctors of ``devdata.scale`` are made of: the mix of scenarios, common
Chinese names, mainland mobile prefixes, categories, scopes and institution levels, and the
reasons an institution gives. Everything here is made up."""

from __future__ import annotations

from portal.registry.institutions import InstitutionLevel
from portal.registry.records import Category

#: scenario -> share of the doctors. "waiting_*" are waiting for an institution (I4).
MIX = {
    "registered": 28,
    "waiting_first": 30,
    "waiting_change": 5,
    "waiting_cancel": 3,
    "waiting_reregister": 2,
    "waiting_modification": 5,
    "waiting_filing": 5,
    "draft": 6,
    "rejected": 5,
    "confirmed": 6,
    "expired": 3,
    "activated": 2,
}
#: only what waits for the doctors' own institution (the queue benchmark)
WAITING_MIX = {
    "waiting_first": 70,
    "waiting_change": 10,
    "waiting_cancel": 5,
    "waiting_reregister": 5,
    "waiting_modification": 10,
}

# the most common surnames, roughly by frequency, and characters common in given names
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
SURNAME_WEIGHTS = [max(1, 60 - i) for i in range(len(SURNAMES))]
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕辉建国斌宇浩凯晨子轩欣怡梓涵"
    "文博思远佳琪一鸣海峰晓东雪梅春燕志刚丹丹慧敏俊杰婷婷鹏飞宏亮建华永红"
)
MINORITY = (
    "阿依古丽·买买提",
    "古丽娜尔·吐尔逊",
    "热依拉·艾力",
    "巴特尔·额尔敦",
    "扎西·次仁",
    "卓玛·拉姆",
)
PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
)
SCOPES = {
    Category.CLINICAL: (
        "internal",
        "surgery",
        "paediatrics",
        "obstetrics",
        "general_practice",
        "emergency",
    ),
    Category.TCM: ("tcm", "integrated"),
    Category.DENTAL: ("dental",),
    Category.PUBLIC_HEALTH: ("public_health",),
}
CATEGORIES = (
    (Category.CLINICAL, 75),
    (Category.TCM, 12),
    (Category.DENTAL, 8),
    (Category.PUBLIC_HEALTH, 5),
)
LEVELS = (InstitutionLevel.COUNTY, InstitutionLevel.SECONDARY, InstitutionLevel.TERTIARY)
REASONS = (
    "照片不清晰，请重新上传",
    "合同日期与劳动合同不符",
    "执业范围与科室设置不符",
    "请补充工作经历",
)
