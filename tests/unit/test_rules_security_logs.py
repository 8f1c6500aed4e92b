"""Security-log shapes on the rules tier: what must be found and what must not, per category
(Windows account fields, down-level logon names, quoted and keyed user names, home directories,
dotted SSNs, secret-key values, AWS secret keys, IP/MAC boundaries)."""

from __future__ import annotations

import pytest
from rule_tables import found as _found
from rule_tables import table_tests

from workers.detect.rules import RulesDetector
from workers.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def rules() -> RulesDetector:
    return RulesDetector(load_taxonomy())


# (category, text, type, value): the value must be reported with that type, exactly.
MUST_DETECT = [
    # Windows security events (4624/4625/4648/4720 texts and EventData keys)
    (
        "windows",
        "An account was successfully logged on. Account Name: a.kowalski Account Domain: CORP",
        "USERNAME",
        "a.kowalski",
    ),
    ("windows", "Account Name:\t\ta.kowalski\r\n\tAccount Domain:\t\tCORP", "USERNAME", "a.kowalski"),
    ("windows", "Target User Name: mgarcia Target Domain Name: CORP", "USERNAME", "mgarcia"),
    ("windows", "User Name: j.smith Domain: CORP", "USERNAME", "j.smith"),
    ("windows", "Caller User Name: bthompson Caller Domain: CORP", "USERNAME", "bthompson"),
    ("windows", "New Account Name: t.nguyen", "USERNAME", "t.nguyen"),
    ("windows", '<Data Name="TargetUserName">rpatel</Data>', "USERNAME", "rpatel"),
    ("windows", '{"TargetUserName": "rpatel", "LogonType": 3}', "USERNAME", "rpatel"),
    ("windows", "Message=Account Name:\\t\\tokafor.j\\r\\n", "USERNAME", "okafor.j"),
    # down-level logon names
    ("downlevel", "logon failure for CORP\\dwilliams from 10.1.2.3", "USERNAME", "dwilliams"),
    ("downlevel", '{"user": "CORP\\\\dwilliams", "event": 4625}', "USERNAME", "dwilliams"),
    ("downlevel", "runas /user:ACME-EU\\m.rossi cmd.exe", "USERNAME", "m.rossi"),
    ("downlevel", "User Name: CORP\\nancy.drew", "USERNAME", "nancy.drew"),
    # quoted names after user words
    ("quoted", "user 'hernandez.luis' connected from 10.0.0.5", "USERNAME", "hernandez.luis"),
    ("quoted", 'authentication failed for user "x.chen"', "USERNAME", "x.chen"),
    ("quoted", "Login `k.yamada` locked after 5 attempts", "USERNAME", "k.yamada"),
    ("quoted", '{"msg": "user \\"o.bello\\" signed out"}', "USERNAME", "o.bello"),
    # keyed forms that already worked: kept
    ("keyed", "CEF:0|Vendor|Prod|1.0|100|Login|5|duser=kmiller suser=jlopez src=10.0.0.1", "USERNAME", "kmiller"),
    ("keyed", "CEF:0|Vendor|Prod|1.0|100|Login|5|duser=kmiller suser=jlopez src=10.0.0.1", "USERNAME", "jlopez"),
    ("keyed", "bind uid=jdoe,ou=people,dc=example,dc=com", "USERNAME", "jdoe"),
    ("keyed", "raw line user=jdoe\\r\\nnext", "USERNAME", "jdoe"),
    ("downlevel", "logon CORP\\jdoe\\r\\n\\tType: 3", "USERNAME", "jdoe"),
    # home directories
    ("home", "sudo: alice : TTY=pts/8 ; PWD=/home/misty4844 ; USER=root ; COMMAND=/bin/ls", "USERNAME", "misty4844"),
    ("home", "open C:\\Users\\jdoe\\AppData\\Local\\Temp\\x.tmp failed", "USERNAME", "jdoe"),
    ("home", '{"path": "C:\\\\Users\\\\jdoe\\\\Desktop"}', "USERNAME", "jdoe"),
    ("home", "crash report in /Users/JohnDoe/Library/Logs", "USERNAME", "JohnDoe"),
    # US SSN separators
    ("ssn", "SSN 536.22.1234 on file", "US_SSN", "536.22.1234"),
    ("ssn", "applicant 536.22.1234 approved", "US_SSN", "536.22.1234"),
    ("ssn", "SSN: 536 22 1234", "US_SSN", "536 22 1234"),
    ("ssn", "ssn=536-22-1234", "US_SSN", "536-22-1234"),
    ("ssn", "social security number 536221234", "US_SSN", "536221234"),
    # values after secret-ish keys
    ("secret", "secret: s3cr3tV@lue99", "API_KEY", "s3cr3tV@lue99"),
    (
        "secret",
        "client_secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "API_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    ("secret", "app_secret=Zx9#kq!Lm2pQ", "API_KEY", "Zx9#kq!Lm2pQ"),
    ("secret", '{"clientSecret": "Pa$$w0rd-Tr1cky"}', "API_KEY", "Pa$$w0rd-Tr1cky"),
    ("secret", '{\\"client_secret\\": \\"q8R!vT2@zY5w\\"}', "API_KEY", "q8R!vT2@zY5w"),
    ("secret", "{:secret => 'h7&Jk2@Wq9x'}", "API_KEY", "h7&Jk2@Wq9x"),
    (
        "secret",
        '"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
        "API_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    ("secret", "signing_key=mK3$pL8@nQ2w", "API_KEY", "mK3$pL8@nQ2w"),
    # AWS secret access keys by shape next to their name
    (
        "aws",
        "aws key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "API_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "aws",
        "aws key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "API_KEY",
        "AKIAIOSFODNN7EXAMPLE",
    ),
    (
        "aws",
        "AWS credentials: +9aZk3LmQ2xW7pR5tY8uV1bN4cD6eF0gH2iJ3kLm",
        "API_KEY",
        "+9aZk3LmQ2xW7pR5tY8uV1bN4cD6eF0gH2iJ3kLm",
    ),
    # addresses next to look-alike runs
    ("ip", "arn:aws:iam::123456789012:user/alice.nguyen from 2001:db8::7", "IP_ADDRESS", "2001:db8::7"),
    ("ip", "peer [2001:db8::5]:8080 closed", "IP_ADDRESS", "2001:db8::5"),
    ("ip", "from 2001:db8:: to fe80::1ff:fe23:4567:890a%eth0", "IP_ADDRESS", "2001:db8::"),
    ("ip", "dns 2001:4860:4860::8888 2001:4860:4860::8844", "IP_ADDRESS", "2001:4860:4860::8844"),
    ("ip", "client=::ffff:192.0.2.10 ok", "IP_ADDRESS", "::ffff:192.0.2.10"),
    ("ip", "src 10.1.2.3. Next", "IP_ADDRESS", "10.1.2.3"),
    (
        "mac",
        "IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=10.0.0.1",
        "MAC_ADDRESS",
        "52:54:00:12:34:56:52:54:00:65:43:21:08:00",
    ),
    ("mac", "dhcp ack for 00:1a:2b:3c:4d:5e on eth0", "MAC_ADDRESS", "00:1a:2b:3c:4d:5e"),
    ("url", "see www.example.com/path?q=1 for details", "URL", "www.example.com/path?q=1"),
    # a bare www host ends at the host (the rest of an X.509 subject is not part of it)
    ("url", "subject=CN=www.example.com,O=Example Inc,C=US", "URL", "www.example.com"),
    ("mac", "station 00-1A-2B-3C-4D-5E joined", "MAC_ADDRESS", "00-1A-2B-3C-4D-5E"),
]

# (category, text, type): no span of that type anywhere in the text.
MUST_NOT_DETECT = [
    # machine, service and empty account fields are not persons
    ("windows", "Account Name: WIN-SRV01$ Account Domain: CORP Logon ID: 0x3E7", "USERNAME"),
    ("windows", "Account Name: - Account Domain: -", "USERNAME"),
    ("windows", "Account Name: SYSTEM Account Domain: NT AUTHORITY", "USERNAME"),
    ("windows", "Account Name: LOCAL SERVICE Account Domain: NT AUTHORITY", "USERNAME"),
    ("windows", "Account Name: NETWORK SERVICE", "USERNAME"),
    ("windows", "Account Name: ANONYMOUS LOGON", "USERNAME"),
    ("windows", "Account Name: DWM-1 Account Domain: Window Manager", "USERNAME"),
    ("windows", '<Data Name="SubjectUserName">WIN-SRV01$</Data>', "USERNAME"),
    # paths, registry keys and escapes are not down-level names
    ("downlevel", "loaded C:\\WINDOWS\\system32\\ntdll.dll", "USERNAME"),
    ("downlevel", "share \\\\FILESRV\\public mounted", "USERNAME"),
    ("downlevel", "key HKLM\\SOFTWARE\\Microsoft\\Windows", "USERNAME"),
    ("downlevel", "NT AUTHORITY\\SYSTEM started the service", "USERNAME"),
    ("downlevel", "NT AUTHORITY\\LOCAL SERVICE", "USERNAME"),
    ("downlevel", "machine account CORP\\WIN-SRV01$ renewed", "USERNAME"),
    ("downlevel", '{"msg": "FAILED\\nRetrying in 5s"}', "USERNAME"),
    ("downlevel", "path corp\\jdoe is lower case", "USERNAME"),
    # keyed forms: generic accounts, the domain of a down-level name, computer accounts
    ("keyed", "CEF:0|V|P|1|1|x|5|suser=root duser=- src=10.0.0.1", "USERNAME"),
    ("keyed", "user=WIN-SRV01$ logged off", "USERNAME"),
    # generic and empty quoted names
    ("quoted", "user 'root' logged in", "USERNAME"),
    ("quoted", 'for user "admin" denied', "USERNAME"),
    ("quoted", "user '' not found", "USERNAME"),
    ("quoted", "the user 'Bob Smith' called", "USERNAME"),
    # shared profiles, service homes and URL paths
    ("home", "sudo: TTY=pts/4 ; PWD=/home/deploy/app ; USER=root", "USERNAME"),
    ("home", "copied to C:\\Users\\Public\\Documents", "USERNAME"),
    ("home", "GET https://example.com/home/index.html 200", "USERNAME"),
    ("home", "cd /srv/home/project", "USERNAME"),
    # dotted numbers that are not SSNs
    ("ssn", "version 536.22.1234 released", "US_SSN"),
    ("ssn", "build 536.22.1234", "US_SSN"),
    ("ssn", "user agent Chrome/536.22.1234", "US_SSN"),
    ("ssn", "oid 1.3.536.22.1234", "US_SSN"),
    ("ssn", "date 2023.12.01 and 01.12.2023", "US_SSN"),
    ("ssn", "host 10.22.1.34 up", "US_SSN"),
    ("ssn", "never issued 000.22.1234 or 666.22.1234 or 900.22.1234", "US_SSN"),
    ("ssn", "536.22.1234.7 is four parts", "US_SSN"),
    # placeholders and plain words after secret keys
    ("secret", "secret: true", "API_KEY"),
    ("secret", "client_secret: ********", "API_KEY"),
    ("secret", "secret=${APP_SECRET}", "API_KEY"),
    ("secret", "secret: {{ vault_secret }}", "API_KEY"),
    ("secret", "secret: <redacted>", "API_KEY"),
    ("secret", "secretName: my-db-secret", "API_KEY"),
    ("secret", '"SecretId": "prod/db/password"', "API_KEY"),
    ("secret", "volumes:\n  - name: certs\n    secret:\n      secretName: tls-Secret1\n", "API_KEY"),
    # 40-character look-alikes of AWS secret keys
    ("aws", "aws commit 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b secret", "API_KEY"),
    ("aws", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY without any name", "API_KEY"),
    ("aws", "aws secret ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN", "API_KEY"),
    ("aws", "aws secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYTOOLONG", "API_KEY"),
    # IPv6 never inside a longer token or colon run
    ("ip", "arn:aws:iam::123456789012:user/alice.nguyen", "IP_ADDRESS"),
    ("ip", "arn:aws:ec2::123456789012:instance", "IP_ADDRESS"),
    ("ip", "IN=eth0 MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 LEN=60", "IP_ADDRESS"),
    ("ip", "RSA key fingerprint 16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", "IP_ADDRESS"),
    ("ip", "ref dead::beefcafe0", "IP_ADDRESS"),
    ("ip", "snmp oid 1.3.6.1.4.1.2021.10", "IP_ADDRESS"),
    ("ip", "at 10:32:15 and 10:00:00", "IP_ADDRESS"),
    # a bare www host ends at the host: nothing of an X.509 subject after it is an address
    ("url", "subject=CN=www.example.com,O=Example Inc,C=US", "IP_ADDRESS"),
    # six groups inside a longer run are not a MAC
    ("mac", "RSA key fingerprint 16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", "MAC_ADDRESS"),
    ("mac", "id 00-1a-2b-3c-4d-5e-6f-70", "MAC_ADDRESS"),
]

test_must_detect, test_must_not_detect, test_every_category_has_both_tables = table_tests(MUST_DETECT, MUST_NOT_DETECT)


def test_iptables_header_is_one_mac_and_no_ip(rules: RulesDetector) -> None:
    text = "IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=10.0.0.1 DST=10.0.0.2 LEN=60"
    found = _found(rules, text)
    assert [f for f in found if f[0] == "MAC_ADDRESS"] == [("MAC_ADDRESS", "52:54:00:12:34:56:52:54:00:65:43:21:08:00")]
    assert sorted(v for t, v in found if t == "IP_ADDRESS") == ["10.0.0.1", "10.0.0.2"]


def test_downlevel_name_reports_the_user_not_the_domain(rules: RulesDetector) -> None:
    found = _found(rules, '{"user": "CORP\\\\dwilliams"}')
    assert ("USERNAME", "dwilliams") in found
    assert ("USERNAME", "CORP") not in found
