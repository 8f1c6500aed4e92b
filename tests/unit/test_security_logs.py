"""Security-log shapes on the rules tier, whole lines: every personal value a line holds must be
found (type and exact value), and nothing else may be reported (an over-redacted timestamp, port,
hash, UUID, machine name, service account, event id or role ARN fails the line). Categories: SSH,
PAM, sudo and su auth logs; Windows Security events (XML, JSON, rendered text); AWS CloudTrail;
Okta and Azure AD sign-ins; Suricata EVE and Zeek; auditd; postfix, sendmail and dovecot; LDAP
DNs; Kerberos KDC logs; VPN and firewall user fields (Cisco ASA, PAN-OS, GlobalProtect, OpenVPN);
database audit (GRANT, CREATE USER/ROLE, INSERT ... VALUES); and last session's gaps (lower-case
domain\\user, bare session ids, values percent-encoded twice). Then evasions of those shapes and
hostile inputs (linear work, no crash). Values are made up in the way faker makes them.

A row's `hosts` are fully qualified host names: DOMAIN_NAME is a taxonomy type (a host under a
public suffix), so reporting them is allowed there but not required."""

from __future__ import annotations

from typing import Any

import pytest
from _pytest.mark import ParameterSet
from hypothesis import given, settings
from hypothesis import strategies as st
from rule_tables import assert_grows_linearly, found, unexpected

from workers.config import PipelineSettings
from workers.detect.rules import RulesDetector
from workers.pipeline import Pipeline
from workers.pipeline_factory import build_pipeline
from workers.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def rules() -> RulesDetector:
    return RulesDetector(load_taxonomy())


def row(category: str, text: str, *pii: tuple[str, str], hosts: tuple[str, ...] = ()) -> ParameterSet:
    return pytest.param(category, text, list(pii), hosts)


ROWS = [
    row(
        "ssh",
        "Dec  1 10:15:22 web01 sshd[2211]: Failed password for invalid user jwhite from 203.0.113.45 port 52814 ssh2",
        ("USERNAME", "jwhite"),
        ("IP_ADDRESS", "203.0.113.45"),
    ),
    row(
        "ssh",
        "Dec  1 10:15:22 web01 sshd[2211]: Failed password for kmartinez from 198.51.100.7 port 40122 ssh2",
        ("USERNAME", "kmartinez"),
        ("IP_ADDRESS", "198.51.100.7"),
    ),
    row(
        "ssh",
        "Nov 30 08:01:02 bastion sshd[811]: Accepted publickey for kmartinez from 198.51.100.7 port 40122 ssh2: RSA SHA256:Xq3bJ9k2lP0sQ8v1Yc7Hn4Tz6Wm5Re2Ua9Df3Gh1Jk",
        ("USERNAME", "kmartinez"),
        ("IP_ADDRESS", "198.51.100.7"),
    ),
    row(
        "ssh",
        "Nov 30 08:01:02 bastion sshd[811]: Invalid user tanya_r from 192.0.2.33 port 5522",
        ("USERNAME", "tanya_r"),
        ("IP_ADDRESS", "192.0.2.33"),
    ),
    row(
        "ssh",
        "sshd[811]: Connection closed by authenticating user lbrown 198.51.100.9 port 22 [preauth]",
        ("USERNAME", "lbrown"),
        ("IP_ADDRESS", "198.51.100.9"),
    ),
    row(
        "ssh",
        "sshd[811]: Disconnected from invalid user pgreene 198.51.100.9 port 22 [preauth]",
        ("USERNAME", "pgreene"),
        ("IP_ADDRESS", "198.51.100.9"),
    ),
    row(
        "ssh",
        "sshd[90]: pam_unix(sshd:session): session opened for user dmiller(uid=1001) by (uid=0)",
        ("USERNAME", "dmiller"),
    ),
    row("ssh", "sshd[90]: pam_unix(sshd:session): session closed for user dmiller", ("USERNAME", "dmiller")),
    row(
        "ssh",
        "sshd[90]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.8  user=ecole",
        ("USERNAME", "ecole"),
        ("IP_ADDRESS", "203.0.113.8"),
    ),
    row(
        "ssh",
        "sudo: pam_unix(sudo:auth): authentication failure; logname=rgarcia uid=1000 euid=0 tty=/dev/pts/1 ruser=rgarcia rhost=  user=rgarcia",
        ("USERNAME", "rgarcia"),
    ),
    row(
        "ssh",
        "Nov 30 09:12:01 db02 sudo:   apatel : TTY=pts/0 ; PWD=/home/apatel ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
        ("USERNAME", "apatel"),
    ),
    row(
        "ssh",
        "Nov 30 09:12:01 db02 sudo:   apatel : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/var/www ; USER=root ; COMMAND=/bin/bash",
        ("USERNAME", "apatel"),
    ),
    row(
        "ssh",
        "useradd[1234]: new user: name=ckim, UID=1002, GID=1002, home=/home/ckim, shell=/bin/bash, from=/dev/pts/0",
        ("USERNAME", "ckim"),
    ),
    row("ssh", "passwd[77]: pam_unix(passwd:chauthtok): password changed for swilson", ("USERNAME", "swilson")),
    row("ssh", "su[4410]: (to root) nlee on pts/2", ("USERNAME", "nlee")),
    row(
        "ssh",
        "su[4410]: pam_unix(su-l:session): session opened for user root(uid=0) by nlee(uid=1003)",
        ("USERNAME", "nlee"),
    ),
    row(
        "ssh",
        "sshd[2]: Received disconnect from 203.0.113.9 port 4000:11: disconnected by user",
        ("IP_ADDRESS", "203.0.113.9"),
    ),
    row("ssh", "systemd-logind[612]: New session 42 of user hbeck.", ("USERNAME", "hbeck")),
    row("ssh", "CRON[5012]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"),
    row("ssh", "sshd[811]: Server listening on 0.0.0.0 port 22."),
    row(
        "windows",
        '<Event><System><EventID>4625</EventID><TimeCreated SystemTime="2026-11-30T10:12:01.5Z"/><Computer>WKS-0142.corp.example.com</Computer></System><EventData><Data Name="SubjectUserName">WKS-0142$</Data><Data Name="SubjectDomainName">CORP</Data><Data Name="TargetUserName">jgonzalez</Data><Data Name="TargetDomainName">CORP</Data><Data Name="WorkstationName">LAPTOP-7QK2M</Data><Data Name="IpAddress">10.20.30.40</Data><Data Name="IpPort">51123</Data></EventData></Event>',
        ("USERNAME", "jgonzalez"),
        ("IP_ADDRESS", "10.20.30.40"),
        hosts=("WKS-0142.corp.example.com",),
    ),
    row(
        "windows",
        '{"event_id": 4624, "winlog": {"computer_name": "DC01.corp.example.com", "event_data": {"SubjectUserName": "-", "TargetUserName": "mthompson", "TargetDomainName": "CORP", "LogonType": "10", "IpAddress": "172.16.5.20", "IpPort": "3389", "WorkstationName": "DESKTOP-4F8K2LQ", "LogonProcessName": "User32", "TargetLogonId": "0x8d2f1a"}}}',
        ("USERNAME", "mthompson"),
        ("IP_ADDRESS", "172.16.5.20"),
        hosts=("DC01.corp.example.com",),
    ),
    row(
        "windows",
        '{"EventID": 4720, "SubjectUserName": "svc_provision", "TargetUserName": "rnguyen", "SamAccountName": "rnguyen", "UserPrincipalName": "r.nguyen@corp.example.com", "DisplayName": "Rosa Nguyen"}',
        ("USERNAME", "svc_provision"),
        ("USERNAME", "rnguyen"),
        ("EMAIL_ADDRESS", "r.nguyen@corp.example.com"),
        ("PERSON", "Rosa Nguyen"),
    ),
    row(
        "windows",
        "An account failed to log on. Subject: Security ID: S-1-0-0 Account Name: - Account Domain: - Logon Type: 3 Account For Which Logon Failed: Security ID: S-1-0-0 Account Name: o.haddad Account Domain: CORP Failure Reason: Unknown user name or bad password. Workstation Name: LAPTOP-88ZQ Source Network Address: 192.168.10.77 Source Port: 0",
        ("USERNAME", "o.haddad"),
        ("IP_ADDRESS", "192.168.10.77"),
    ),
    row(
        "windows",
        '<Data Name="SubjectUserName">SYSTEM</Data><Data Name="SubjectDomainName">NT AUTHORITY</Data><Data Name="TargetUserName">DWM-3</Data><Data Name="LogonProcessName">Advapi</Data>',
    ),
    row(
        "windows",
        '{"TargetUserName": "ANONYMOUS LOGON", "TargetDomainName": "NT AUTHORITY", "IpAddress": "-", "WorkstationName": "WIN-7H2K3"}',
    ),
    row(
        "windows",
        '{"SubjectUserName": "WIN-DC01$", "SubjectDomainName": "CORP", "ServiceName": "krbtgt", "TargetUserName": "WIN-DC01$@CORP.EXAMPLE.COM"}',
    ),
    row(
        "cloudtrail",
        '{"eventVersion": "1.08", "userIdentity": {"type": "IAMUser", "principalId": "AIDAJ45Q7YFFAREXAMPLE", "arn": "arn:aws:iam::123456789012:user/alice.walker", "accountId": "123456789012", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "alice.walker"}, "eventTime": "2026-11-30T08:12:45Z", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.23", "userAgent": "aws-cli/2.15.0 Python/3.11.6"}',
        ("USERNAME", "alice.walker"),
        ("API_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ("IP_ADDRESS", "198.51.100.23"),
        hosts=("signin.amazonaws.com",),
    ),
    row(
        "cloudtrail",
        '{"userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLEROLEID12:jane.doe@example.com", "arn": "arn:aws:sts::123456789012:assumed-role/DevOpsRole/jane.doe@example.com", "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::123456789012:role/DevOpsRole", "userName": "DevOpsRole"}}}, "sourceIPAddress": "203.0.113.61"}',
        ("EMAIL_ADDRESS", "jane.doe@example.com"),
        ("IP_ADDRESS", "203.0.113.61"),
    ),
    row(
        "cloudtrail",
        '{"userIdentity": {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}, "eventName": "AssumeRole", "requestParameters": {"roleArn": "arn:aws:iam::123456789012:role/service-role/LambdaExec", "roleSessionName": "i-0abc12de34f567890"}, "sourceIPAddress": "lambda.amazonaws.com"}',
        hosts=("lambda.amazonaws.com",),
    ),
    row(
        "cloudtrail",
        '{"eventName": "CreateUser", "requestParameters": {"userName": "b.osei"}, "responseElements": {"user": {"arn": "arn:aws:iam::123456789012:user/b.osei", "userId": "AIDAEXAMPLEUSERID123", "createDate": "Nov 30, 2026 8:12:45 AM"}}}',
        ("USERNAME", "b.osei"),
    ),
    row(
        "okta",
        '{"actor": {"id": "00u1abcd2EFGH3ijk4l5", "type": "User", "alternateId": "maria.lopez@example.com", "displayName": "Maria Lopez"}, "client": {"userAgent": {"rawUserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"}, "ipAddress": "203.0.113.77"}, "eventType": "user.session.start", "outcome": {"result": "SUCCESS"}, "target": [{"type": "AppInstance", "displayName": "Salesforce.com"}]}',
        ("EMAIL_ADDRESS", "maria.lopez@example.com"),
        ("PERSON", "Maria Lopez"),
        ("IP_ADDRESS", "203.0.113.77"),
        hosts=("Salesforce.com",),
    ),
    row(
        "okta",
        '{"userPrincipalName": "d.okafor@contoso.com", "userDisplayName": "David Okafor", "ipAddress": "40.77.12.9", "appDisplayName": "Office 365 Exchange Online", "clientAppUsed": "Browser", "status": {"errorCode": 50126}, "userId": "6f3e1c2a-9b7d-4e8f-a1b2-c3d4e5f60718"}',
        ("EMAIL_ADDRESS", "d.okafor@contoso.com"),
        ("PERSON", "David Okafor"),
        ("IP_ADDRESS", "40.77.12.9"),
    ),
    row(
        "okta",
        '{"actor": {"type": "PublicClientApp", "displayName": "Okta Admin Console", "alternateId": "0oa1b2c3d4E5F6g7h8i9"}, "eventType": "app.oauth2.token.grant"}',
    ),
    row(
        "ids",
        '{"timestamp": "2026-11-30T10:00:00.123456+0000", "flow_id": 1484851838467362, "event_type": "http", "src_ip": "192.168.1.50", "src_port": 49822, "dest_ip": "93.184.216.34", "dest_port": 80, "proto": "TCP", "http": {"hostname": "portal.example.com", "url": "/reset?email=lena.fischer%40example.org&token=Zk8pQ2mX7rT4wY9vB3nL", "http_user_agent": "curl/8.4.0", "http_method": "GET", "status": 200, "length": 512}}',
        ("IP_ADDRESS", "192.168.1.50"),
        ("IP_ADDRESS", "93.184.216.34"),
        ("EMAIL_ADDRESS", "lena.fischer%40example.org"),
        ("ACCESS_TOKEN", "Zk8pQ2mX7rT4wY9vB3nL"),
        hosts=("portal.example.com",),
    ),
    row(
        "ids",
        "1701424800.123456\tCHhAvVGS1DHFjwGM9\t10.0.0.12\t51514\t203.0.113.80\t80\t1\tGET\tapi.example.net\t/v1/users?api_key=9f8e7d6c5b4a39281706f5e4d3c2b1a0&user=hsato\t-\tcurl/7.88.1",
        ("IP_ADDRESS", "10.0.0.12"),
        ("IP_ADDRESS", "203.0.113.80"),
        ("API_KEY", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
        ("USERNAME", "hsato"),
        hosts=("api.example.net",),
    ),
    row(
        "ids",
        '{"ts": 1701424800.123456, "uid": "C8bJ1s2VfXz0p3QkT4", "id.orig_h": "10.1.1.5", "id.orig_p": 50123, "id.resp_h": "198.51.100.200", "id.resp_p": 443, "proto": "tcp", "service": "ssl", "duration": 1.234, "orig_bytes": 517}',
        ("IP_ADDRESS", "10.1.1.5"),
        ("IP_ADDRESS", "198.51.100.200"),
    ),
    row(
        "ids",
        '{"event_type": "alert", "src_ip": "10.9.8.7", "dest_ip": "10.9.8.1", "alert": {"signature_id": 2013028, "signature": "ET POLICY curl User-Agent Outbound", "rev": 4}, "flow_id": 938384312344512}',
        ("IP_ADDRESS", "10.9.8.7"),
        ("IP_ADDRESS", "10.9.8.1"),
    ),
    row(
        "auditd",
        'type=USER_LOGIN msg=audit(1701424800.123:456): pid=2311 uid=0 auid=1000 ses=3 msg=\'op=login acct="bob.harris" exe="/usr/sbin/sshd" hostname=? addr=203.0.113.5 terminal=ssh res=failed\'',
        ("USERNAME", "bob.harris"),
        ("IP_ADDRESS", "203.0.113.5"),
    ),
    row(
        "auditd",
        'type=USER_CMD msg=audit(1701424800.123:457): pid=4321 uid=1000 auid=1000 ses=4 msg=\'cwd="/home/wtanaka" cmd=6C73202D6C61 exe="/usr/bin/sudo" terminal=pts/0 res=success\' UID="wtanaka" AUID="wtanaka"',
        ("USERNAME", "wtanaka"),
    ),
    row(
        "auditd",
        'type=SYSCALL msg=audit(1701424800.5:90): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=77 auid=4294967295 uid=0 gid=0 euid=0 comm="cron" exe="/usr/sbin/cron" AUID="unset" UID="root" GID="root" EUID="root"',
    ),
    row(
        "mail",
        "postfix/smtpd[1234]: 3F2A81C0E2: client=mail.example.net[203.0.113.10], sasl_method=PLAIN, sasl_username=tmorris",
        ("USERNAME", "tmorris"),
        ("IP_ADDRESS", "203.0.113.10"),
        hosts=("mail.example.net",),
    ),
    row(
        "mail",
        "postfix/qmgr[99]: 3F2A81C0E2: from=<nadia.kovacs@example.org>, size=2381, nrcpt=1 (queue active)",
        ("EMAIL_ADDRESS", "nadia.kovacs@example.org"),
    ),
    row(
        "mail",
        "postfix/smtp[77]: 3F2A81C0E2: to=<p.shah@example.com>, relay=mx.example.com[198.51.100.25]:25, delay=0.4, delays=0.01/0/0.2/0.19, dsn=2.0.0, status=sent (250 2.0.0 OK 1701424800 q12-20020a05)",
        ("EMAIL_ADDRESS", "p.shah@example.com"),
        ("IP_ADDRESS", "198.51.100.25"),
        hosts=("mx.example.com",),
    ),
    row(
        "mail",
        "sendmail[456]: wA1B2c3D004567: from=<r.diaz@example.net>, size=1024, class=0, nrcpts=1, msgid=<202611301000.wA1B2c3D004567@mail.example.net>, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]",
        ("EMAIL_ADDRESS", "r.diaz@example.net"),
        hosts=("mail.example.net",),
    ),
    row(
        "mail",
        "dovecot: imap-login: Login: user=<f.romano>, method=PLAIN, rip=198.51.100.31, lip=10.0.0.25, mpid=2231, TLS",
        ("USERNAME", "f.romano"),
        ("IP_ADDRESS", "198.51.100.31"),
        ("IP_ADDRESS", "10.0.0.25"),
    ),
    row("ldap", 'conn=1021 op=2 BIND dn="uid=jdoe2,ou=people,dc=example,dc=com" method=128', ("USERNAME", "jdoe2")),
    row("ldap", 'search base="CN=Domain Admins,CN=Users,DC=corp,DC=example,DC=com" scope=2'),
    row(
        "ldap",
        "member added: CN=Emily Carter,OU=Sales,OU=Staff,DC=corp,DC=example,DC=com",
        ("PERSON", "Emily Carter"),
    ),
    row(
        "ldap",
        "sAMAccountName=ewong userPrincipalName=e.wong@corp.example.com",
        ("USERNAME", "ewong"),
        ("EMAIL_ADDRESS", "e.wong@corp.example.com"),
    ),
    row(
        "kerberos",
        "krb5kdc[1820](info): AS_REQ (4 etypes {18 17 20 19}) 10.0.0.44: NEEDED_PREAUTH: gthomas@EXAMPLE.COM for krbtgt/EXAMPLE.COM@EXAMPLE.COM, Additional pre-authentication required",
        ("EMAIL_ADDRESS", "gthomas@EXAMPLE.COM"),
        ("IP_ADDRESS", "10.0.0.44"),
    ),
    row(
        "kerberos",
        "krb5kdc[1820](info): TGS_REQ (2 etypes {18 17}) 10.0.0.44: ISSUE: authtime 1701424800, etypes {rep=18 tkt=18 ses=18}, gthomas@EXAMPLE.COM for HTTP/web01.example.com@EXAMPLE.COM",
        ("EMAIL_ADDRESS", "gthomas@EXAMPLE.COM"),
        ("IP_ADDRESS", "10.0.0.44"),
        hosts=("web01.example.com",),
    ),
    row(
        "vpn",
        "%ASA-6-113004: AAA user authentication Successful : server = 10.1.1.10 : user = wbaker",
        ("USERNAME", "wbaker"),
        ("IP_ADDRESS", "10.1.1.10"),
    ),
    row(
        "vpn",
        "%ASA-4-722051: Group <VPN-Users> User <k.ito> IP <198.51.100.77> IPv4 Address <10.10.0.5> assigned to session",
        ("USERNAME", "k.ito"),
        ("IP_ADDRESS", "198.51.100.77"),
        ("IP_ADDRESS", "10.10.0.5"),
    ),
    row(
        "vpn",
        '%ASA-6-605005: Login permitted from 192.0.2.14/51234 to inside:10.0.0.1/ssh for user "fwops.lee"',
        ("USERNAME", "fwops.lee"),
        ("IP_ADDRESS", "192.0.2.14"),
        ("IP_ADDRESS", "10.0.0.1"),
    ),
    row(
        "vpn",
        "1,2026/11/30 10:00:00,012801234567,TRAFFIC,end,2561,2026/11/30 10:00:00,10.0.1.15,203.0.113.99,0.0.0.0,0.0.0.0,Allow-Web,corp\\lnovak,,web-browsing,vsys1,trust,untrust",
        ("IP_ADDRESS", "10.0.1.15"),
        ("IP_ADDRESS", "203.0.113.99"),
        ("USERNAME", "lnovak"),
    ),
    row(
        "vpn",
        "LEEF:1.0|Palo Alto Networks|PAN-OS|10.1|TRAFFIC|src=10.0.1.15\tdst=203.0.113.99\tsrcuser=corp\\lnovak\tdstuser=\tapp=ssl",
        ("IP_ADDRESS", "10.0.1.15"),
        ("IP_ADDRESS", "203.0.113.99"),
        ("USERNAME", "lnovak"),
    ),
    row(
        "vpn",
        "GlobalProtect gateway user authentication succeeded. Login from: 198.51.100.8, Source region: US, User name: acme\\s.meyer, Auth type: profile",
        ("IP_ADDRESS", "198.51.100.8"),
        ("USERNAME", "s.meyer"),
    ),
    row(
        "vpn",
        "openvpn[900]: 198.51.100.40:1194 [g.rossi] Peer Connection Initiated with [AF_INET]198.51.100.40:1194",
        ("USERNAME", "g.rossi"),
        ("IP_ADDRESS", "198.51.100.40"),
    ),
    row(
        "db",
        "GRANT SELECT, INSERT ON payroll.* TO 'mreyes'@'10.0.0.5';",
        ("USERNAME", "mreyes"),
        ("IP_ADDRESS", "10.0.0.5"),
    ),
    row(
        "db",
        "CREATE USER 'mreyes'@'%' IDENTIFIED BY 'S3cure!Pass2026';",
        ("USERNAME", "mreyes"),
        ("PASSWORD", "S3cure!Pass2026"),
    ),
    row(
        "db",
        "INSERT INTO users (username, email) VALUES ('bwright', 'b.wright@example.com')",
        ("USERNAME", "bwright"),
        ("EMAIL_ADDRESS", "b.wright@example.com"),
    ),
    row(
        "db",
        "INSERT INTO accounts (id, login, created_at) VALUES (1042, 'cnovak', '2026-11-30 10:00:00')",
        ("USERNAME", "cnovak"),
    ),
    row(
        "db",
        "AUDIT: SESSION,1,1,ROLE,CREATE ROLE,,,CREATE ROLE lpham LOGIN PASSWORD 'Xy7#pq2Lm',<not logged>",
        ("USERNAME", "lpham"),  # a login role is an account (round 3: SQL role statements)
        ("PASSWORD", "Xy7#pq2Lm"),
    ),
    row(
        "db",
        '2026-11-30 10:00:00 UTC [2211] ahmedk@hr FATAL:  password authentication failed for user "ahmedk"',
        ("USERNAME", "ahmedk"),
    ),
    row("db", "UPDATE users SET last_login = NOW() WHERE username = 'qfarah'", ("USERNAME", "qfarah")),
    row("db", "INSERT INTO audit_log (event_id, action, ts) VALUES (4625, 'LOGIN_FAILED', '2026-11-30')"),
    row("gaps", "login ok user=acme\\jpark from 10.2.3.4", ("USERNAME", "jpark"), ("IP_ADDRESS", "10.2.3.4")),
    row("gaps", '{"user": "acme\\\\jpark", "action": "logon"}', ("USERNAME", "jpark")),
    row(
        "gaps", "GET /dashboard?session=8f3a9c2e71b44d0c9e5f2a6b HTTP/1.1", ("ACCESS_TOKEN", "8f3a9c2e71b44d0c9e5f2a6b")
    ),
    row("gaps", "audit: sessionid=Qm9vK2x7Zp4Rt8Wv resumed", ("ACCESS_TOKEN", "Qm9vK2x7Zp4Rt8Wv")),
    row(
        "gaps",
        '{"session": "s%3AxK9mP2qR7tV4wY8z.aB3cD5eF7gH9iJ1k"}',
        ("ACCESS_TOKEN", "s%3AxK9mP2qR7tV4wY8z.aB3cD5eF7gH9iJ1k"),
    ),
    row(
        "gaps",
        "redirect=%2Fprofile%3Femail%3Dlena.fischer%2540example.org",
        ("EMAIL_ADDRESS", "lena.fischer%2540example.org"),
    ),
    row(
        "gaps",
        "next=https%253A%252F%252Fapp.example.com%252Fcb%253Femail%253Dm.ortiz%252540example.com",
        ("EMAIL_ADDRESS", "m.ortiz%252540example.com"),
        hosts=("app.example.com",),
    ),
    row("gaps", "session: started worker pool size=4"),
    row("gaps", "session=closed reason=idle_timeout"),
]
_IDS = [f"{r.values[0]}-{i}" for i, r in enumerate(ROWS)]


@pytest.mark.parametrize(("category", "text", "pii", "hosts"), ROWS, ids=_IDS)
def test_every_value_is_found(
    rules: RulesDetector, category: str, text: str, pii: list[tuple[str, str]], hosts: tuple[str, ...]
) -> None:
    got = found(rules, text)
    assert [p for p in pii if p not in got] == []


@pytest.mark.parametrize(("category", "text", "pii", "hosts"), ROWS, ids=_IDS)
def test_nothing_else_is_reported(
    rules: RulesDetector, category: str, text: str, pii: list[tuple[str, str]], hosts: tuple[str, ...]
) -> None:
    assert unexpected(rules, text, [v for _, v in pii] + list(hosts)) == []


def test_every_category_has_rows_without_pii_or_with_look_alikes() -> None:
    cats = {r.values[0] for r in ROWS}
    assert len(cats) >= 12
    assert any(not r.values[2] for r in ROWS)


# --- evasions of the new shapes: case, quotes, encodings, JSON escaping, line breaks ------------
EVASIONS = [
    ("case", "INVALID USER tanya_r FROM 192.0.2.33", "USERNAME", "tanya_r"),
    ("case", "SASL_USERNAME=tmorris", "USERNAME", "tmorris"),
    ("case", "IDENTIFIED BY 'S3cure!Pass2026'", "PASSWORD", "S3cure!Pass2026"),
    ("case", "USER=acme\\jpark", "USERNAME", "jpark"),
    ("case", "SESSION=8f3a9c2e71b44d0c9e5f2a6b", "ACCESS_TOKEN", "8f3a9c2e71b44d0c9e5f2a6b"),
    ("case", "insert into USERS (ID, Login) values (7, 'cnovak')", "USERNAME", "cnovak"),
    ("case", "EMAIL%253DM.ORTIZ%252540EXAMPLE.COM", "EMAIL_ADDRESS", "M.ORTIZ%252540EXAMPLE.COM"),
    ("quotes", "acct='bob.harris'", "USERNAME", "bob.harris"),
    ("quotes", 'sasl_username="tmorris"', "USERNAME", "tmorris"),
    ("quotes", "GRANT ALL ON db.* TO `mreyes`@`10.0.0.5`", "USERNAME", "mreyes"),
    ("quotes", 'GRANT ALL ON db.* TO "mreyes"@"%"', "USERNAME", "mreyes"),
    ("quotes", "ALTER ROLE lpham WITH PASSWORD 'Xy7#pq2Lm'", "PASSWORD", "Xy7#pq2Lm"),
    ("url", "user=acme%5Cjpark", "USERNAME", "jpark"),
    ("url", "next=%2Fcb%3Fsession%3D8f3a9c2e71b44d0c9e5f2a6b", "ACCESS_TOKEN", "8f3a9c2e71b44d0c9e5f2a6b"),
    ("url", "a%3Fsession%253D8f3a9c2e71b44d0c9e5f2a6b", "ACCESS_TOKEN", "8f3a9c2e71b44d0c9e5f2a6b"),
    ("url", "next=%2Fcb%3Ftoken%3DZk8pQ2mX7rT4wY9vB3nL%26user%3Djpark", "ACCESS_TOKEN", "Zk8pQ2mX7rT4wY9vB3nL"),
    ("url", "next=%2Fcb%3Ftoken%3DZk8pQ2mX7rT4wY9vB3nL%26user%3Djpark", "USERNAME", "jpark"),
    ("url", "email=m.ortiz%252540example.com", "EMAIL_ADDRESS", "m.ortiz%252540example.com"),
    ("json", '{"srcuser": "corp\\\\lnovak"}', "USERNAME", "lnovak"),
    ("json", '{\\"TargetUserName\\": \\"rnguyen\\"}', "USERNAME", "rnguyen"),
    ("json", '{"msg": "Invalid user tanya_r from 192.0.2.33"}', "USERNAME", "tanya_r"),
    ("json", '{\\"userDisplayName\\": \\"David Okafor\\"}', "PERSON", "David Okafor"),
    ("json", "{\"msg\": \"GRANT SELECT ON hr.* TO 'mreyes'@'10.0.0.5'\"}", "USERNAME", "mreyes"),
    ("newline", "Failed password for\ninvalid user jwhite from 203.0.113.45", "USERNAME", "jwhite"),
    ("newline", "sasl_username=\ntmorris", "USERNAME", "tmorris"),
    ("newline", "TargetUserName:\n  rnguyen", "USERNAME", "rnguyen"),
    (
        "newline",
        "INSERT INTO users (username, email)\nVALUES ('bwright', 'b.wright@example.com')",
        "USERNAME",
        "bwright",
    ),
    ("newline", "arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/h.suzuki", "USERNAME", "h.suzuki"),
    # a user part that reads like an escape (\r, \n, \t) is reported with its domain: fail closed
    ("escape", "srcuser=corp\\robert.ng", "USERNAME", "corp\\robert.ng"),
    ("escape", "user=jdoe\\tsrc=10.0.0.1", "USERNAME", "jdoe\\tsrc"),
]


@pytest.mark.parametrize(
    ("category", "text", "kind", "value"), EVASIONS, ids=[f"{e[0]}-{i}" for i, e in enumerate(EVASIONS)]
)
def test_evasions_are_found(rules: RulesDetector, category: str, text: str, kind: str, value: str) -> None:
    assert (kind, value) in found(rules, text)


# Templates of the new shapes around one user name: the name is found exactly in each.
TEMPLATES = [
    "sshd[1]: Invalid user {u} from 192.0.2.33 port 5522",
    "sshd[1]: Connection closed by authenticating user {u} 198.51.100.9 port 22 [preauth]",
    "postfix/smtpd[1]: 3F2A81C0E2: client=x[203.0.113.10], sasl_username={u}",
    "dovecot: imap-login: Login: user=<{u}>, method=PLAIN",
    'type=USER_LOGIN msg=audit(1.2:3): acct="{u}" res=failed AUID="{u}"',
    "%ASA-4-722051: Group <VPN-Users> User <{u}> IP <198.51.100.77>",
    "src=10.0.1.15\tsrcuser=corp\\{u}\tapp=ssl",
    "1,2026/11/30,TRAFFIC,end,10.0.1.15,Allow-Web,acme\\{u},,web-browsing",
    "GRANT SELECT ON hr.* TO '{u}'@'10.0.0.5';",
    "INSERT INTO users (id, username, email) VALUES (1, '{u}', 'x@example.com')",
    '{{"arn": "arn:aws:iam::123456789012:user/{u}"}}',
]
_NAMES = st.from_regex(r"[a-m][a-z]{2,8}(?:[._][a-z]{2,8})?", fullmatch=True)


@pytest.mark.parametrize("template", TEMPLATES)
@given(name=_NAMES)
@settings(max_examples=40, deadline=None)
def test_user_names_are_found_in_every_template(rules: RulesDetector, template: str, name: str) -> None:
    text = template.format(u=name)
    got = found(rules, text)
    assert ("USERNAME", name) in got or name in {"root", "admin", "guest", "invalid", "login", "logon", "logout"}


# --- hostile shapes: work grows linearly with the document, nothing crashes ---------------------
HOSTILE = {
    "many_user_keys": lambda i: f"user=u{i}x ",
    "empty_user_keys": lambda i: "user= ",
    "user_keys_no_space": lambda i: f"user=a{i}",
    "downlevel_runs": lambda i: f"user=d{i % 10}\\",
    "sql_columns": lambda i: f"INSERT INTO t (c{i}, username) VALUES ({i}, 'u{i}x'); ",
    "sql_open_values": lambda i: "(username) VALUES (",
    "mysql_accounts": lambda i: f"'u{i}x'@'",
    "encoded_separators": lambda i: "%25" * 3 + "3Dsession%3D",
    "display_names": lambda i: '"displayName": "Ann Lee',
    "angle_users": lambda i: "User <",
    "ssh_phrases": lambda i: "for invalid user ",
}
_UNITS = (24, 48, 96)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return build_pipeline(PipelineSettings(detectors=["rules"]))


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_hostile_shapes_grow_linearly(pipeline: Pipeline, shape: str) -> None:
    assert_grows_linearly(pipeline, HOSTILE[shape], _UNITS)


@pytest.mark.parametrize("size", [10_000, 200_000])
def test_very_long_keyed_values_do_not_crash(rules: RulesDetector, size: int) -> None:
    for text in (
        "user=" + "a" * size,
        "srcuser=corp\\" + "b" * size,
        "session=" + "ab12" * (size // 4),
        "INSERT INTO t (username) VALUES ('" + "c" * size + "')",
        "x" * size + "%2540example.com",
        '"displayName": "' + "Ann " * (size // 4) + '"',
    ):
        spans: list[Any] = rules.detect_one(text)
        assert all(0 <= s.start < s.end <= len(text) for s in spans)


def test_thousands_of_user_keys_on_one_line(rules: RulesDetector) -> None:
    text = " ".join(f"user=u{i:05d}x" for i in range(5000))
    names = [v for t, v in found(rules, text) if t == "USERNAME"]
    assert len(names) == 5000
