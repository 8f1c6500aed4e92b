"""Held-out security-log formats, round 3: Kubernetes API-server audit events, GitHub organisation
audit log, Cisco ISE / FreeRADIUS authentication and accounting, Duo authentication log.

Written before any round-3 rule change, from the products' documented field names, phrasings and
layouts (not from the rules), and never tuned on: the rules' figures on them measure how the
security-log rules generalise to products they have not seen. Labelling as in formats_security (every MAC
is MAC_ADDRESS, as every routable IP is IP_ADDRESS); service accounts, bots and provider keys and
ids are decoys."""

from __future__ import annotations

import string

from workers.loggen.formats import _ua
from workers.loggen.gold import _Builder
from workers.loggen.security_values import NETBIOS_DOMAINS, alnum, ip4, nonroutable, src_port, zulu
from workers.loggen.values import _Values

_K8S_SYSTEM = (
    "system:serviceaccount:kube-system:replicaset-controller",
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:serviceaccount:argocd:argocd-application-controller",
    "system:apiserver",
)
_K8S_RES = ("secrets", "pods", "configmaps", "deployments", "rolebindings", "pods/exec")


def _k8s_user(b: _Builder, v: _Values) -> None:
    """An OIDC or EKS-mapped person: `oidc:` e-mail, bare e-mail, or a plain user name."""
    k = v.r.randrange(3)
    if k == 0:
        b.t("oidc:").pii("EMAIL_ADDRESS", v.email())
    elif k == 1:
        b.pii("EMAIL_ADDRESS", v.email())
    else:
        b.pii("USERNAME", v.username())


def fmt_k8saudit(b: _Builder, v: _Values) -> None:
    ts = v.when()
    person = v.r.random() < 0.7
    res = v.r.choice(_K8S_RES)
    ns = v.r.choice(["default", "payments", "kube-system", "prod", "staging"])
    verb = v.r.choice(["get", "list", "create", "delete", "patch", "watch"])
    name = v.r.choice(["db-creds", "api-7d9f8c6b5-x2x7q", "app-config", "cluster-admins", "web"])
    b.t('{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"')
    b.t(v.r.choice(["Metadata", "Request", "RequestResponse"])).t('","auditID":"').decoy("UUID", v.uuid())
    b.t(f'","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/{res}/{name}","verb":"{verb}",')
    b.t('"user":{"username":"')
    if person:
        _k8s_user(b, v)
        b.t('","uid":"').decoy("UUID", v.uuid()).t('","groups":["system:authenticated","')
        b.t(v.r.choice(["platform-admins", "developers", "oidc:sre"])).t('"]')
        if v.r.random() < 0.3:  # EKS keeps the IAM identity the user came in with
            b.t(',"extra":{"accessKeyId":["').pii("API_KEY", v.aws_key_id()).t('"],"arn":["arn:aws:sts::')
            b.t(f"{v.r.randint(10**11, 10**12 - 1)}:assumed-role/EKSDevRole/").pii("USERNAME", v.username())
            b.t('"],"sessionName":["').decoy("NON_PERSONAL", "EKSGetTokenAuth").t('"]}')
    else:
        b.decoy("NON_PERSONAL", v.r.choice(_K8S_SYSTEM))
        b.t('","groups":["system:serviceaccounts","system:authenticated"]')
    b.t('},"sourceIPs":["').pii("IP_ADDRESS", ip4(v)).t('"],"userAgent":"')
    b.t(v.r.choice(["kubectl/v1.29.1 (linux/amd64) kubernetes/bc401b9", "kube-controller-manager/v1.28.4", _ua(v)]))
    b.t('"')
    if person and v.r.random() < 0.2:
        b.t(',"impersonatedUser":{"username":"').pii("EMAIL_ADDRESS", v.email())
        b.t('","groups":["system:authenticated"]}')
    b.t(f',"objectRef":{{"resource":"{res.split("/")[0]}","namespace":"{ns}","name":"{name}","apiVersion":"v1"}},')
    code = v.r.choice([200, 201, 403, 404])
    b.t(f'"responseStatus":{{"metadata":{{}},"code":{code}}},')
    if res == "secrets" and verb == "create" and v.r.random() < 0.6:  # RequestResponse logs the body
        b.t('"requestObject":{"kind":"Secret","apiVersion":"v1","metadata":{"name":"db-creds"},"stringData":{')
        b.t('"username":"').pii("USERNAME", v.username()).t('","password":"').pii("PASSWORD", v.password())
        b.t('"},"type":"Opaque"},')
    b.t(f'"requestReceivedTimestamp":"{ts:%Y-%m-%dT%H:%M:%S.%f}Z","stageTimestamp":"{ts:%Y-%m-%dT%H:%M:%S.%f}Z",')
    b.t('"annotations":{"authorization.k8s.io/decision":"').t("allow" if code != 403 else "forbid")
    b.t('","authorization.k8s.io/reason":"')
    if code != 403:
        b.t('RBAC: allowed by ClusterRoleBinding \\"cluster-admins\\" of ClusterRole \\"cluster-admin\\" to Group ')
        b.t('\\"platform-admins\\""')
    else:
        b.t('"')
    b.t("}}")


_GH_ACTIONS = (
    "repo.add_member",
    "org.add_member",
    "org.remove_member",
    "team.add_member",
    "repo.download_zip",
    "protected_branch.policy_override",
    "org.invite_member",
    "git.clone",
    "org_credential_authorization.grant",
    "personal_access_token.request_created",
)
_GH_BOTS = ("dependabot[bot]", "github-actions[bot]", "renovate[bot]")


def fmt_ghaudit(b: _Builder, v: _Values) -> None:
    """One event of the audit log stream/REST API (JSON, epoch milliseconds)."""
    ts = v.when()
    org = v.r.choice(["acme-corp", "contoso-eng", "fabrikam"])
    action = v.r.choice(_GH_ACTIONS)
    b.t(f'{{"@timestamp":{int(ts.timestamp() * 1000)},"_document_id":"').decoy("RESOURCE_ID", alnum(v, 22))
    b.t(f'","action":"{action}","actor":"')
    if v.r.random() < 0.15:
        b.decoy("NON_PERSONAL", v.r.choice(_GH_BOTS))
    else:
        b.pii("USERNAME", v.username())
    b.t(f'","actor_id":{v.r.randint(10**5, 10**8)},"actor_ip":"').pii("IP_ADDRESS", v.f.ipv4_public())
    b.t('","actor_location":{"country_code":"').t(v.r.choice(["US", "DE", "GB", "IN"])).t('"},')
    b.t(f'"business":"{org.split("-")[0]}","org":"{org}","org_id":{v.r.randint(10**6, 10**8)},')
    if action.startswith(("repo.", "git.", "protected_branch")):
        b.t(f'"repo":"{org}/{v.r.choice(["api", "infra", "web", "payments-svc"])}",')
    if action in ("repo.add_member", "org.add_member", "org.remove_member", "team.add_member"):
        b.t('"user":"').pii("USERNAME", v.username()).t(f'","user_id":{v.r.randint(10**5, 10**8)},')
        b.t('"permission":"').t(v.r.choice(["read", "write", "admin"])).t('",')
    elif action == "org.invite_member":
        b.t('"invitee_email":"').pii("EMAIL_ADDRESS", v.email()).t('",')
    elif action == "git.clone":
        b.t('"transport_protocol_name":"http","repository_public":false,"hashed_token":"')
        b.decoy("HEX_HASH", alnum(v, 43) + "=").t('",')
    elif action == "org_credential_authorization.grant":
        first, last = v.first_last()
        b.t('"external_identity_nameid":"').pii("EMAIL_ADDRESS", v.email()).t('","external_identity_username":"')
        b.pii("PERSON", f"{first} {last}").t('","credential_type":"personal access token",')
    elif action == "personal_access_token.request_created":
        b.t('"token_id":').decoy("RESOURCE_ID", str(v.r.randint(10**6, 10**8))).t(",")
        b.t('"token_scopes":"repo,read:org",')
    b.t(f'"operation_type":"{v.r.choice(["create", "modify", "remove", "access"])}","user_agent":"{_ua(v)}",')
    b.t(f'"created_at":{int(ts.timestamp() * 1000)}}}')


def _mac(v: _Values, sep: str = "-") -> str:
    return sep.join(f"{v.r.randint(0, 255):02X}" for _ in range(6))


def _ise(b: _Builder, v: _Values) -> None:
    """Cisco ISE remote syslog: category, message id, then comma-separated attributes."""
    ts = v.when()
    u = v.username()
    kind = v.r.randrange(3)
    cat, code, text = [
        ("CISE_RADIUS_Accounting", "3000", "NOTICE Radius-Accounting: RADIUS Accounting start request"),
        ("CISE_Passed_Authentications", "5200", "NOTICE Passed-Authentication: Authentication succeeded"),
        ("CISE_Failed_Attempts", "5400", "NOTICE Failed-Attempt: Authentication failed"),
    ][kind]
    b.t(f"<181>{ts:%b} {ts.day:2d} {ts:%H:%M:%S} ise-psn0{v.r.randint(1, 4)} {cat} {v.r.randint(10**9, 10**10)} 1 0 ")
    b.t(f"{ts:%Y-%m-%d %H:%M:%S}.{v.r.randint(0, 999):03d} +00:00 ").decoy(
        "RESOURCE_ID", f"{v.r.randint(10**9, 10**10)}"
    )
    b.t(f" {code} {text}, ConfigVersionId=1{v.r.randint(10, 99)}, Device IP Address=").pii(
        "IP_ADDRESS", v.f.ipv4_private()
    )
    dom = v.r.choice(NETBIOS_DOMAINS)
    b.t(", UserName=").pii("USERNAME", u).t(f", NetworkDeviceName=SW-{v.r.randint(1, 40):02d}, User-Name=")
    if v.r.random() < 0.4:
        b.t(f"{dom}\\")
    b.pii("USERNAME", u).t(", NAS-IP-Address=").pii("IP_ADDRESS", v.f.ipv4_private())
    b.t(f", NAS-Port=5{v.r.randint(1000, 9999)}, Service-Type=Framed, Framed-IP-Address=").pii("IP_ADDRESS", ip4(v))
    b.t(", Called-Station-ID=").pii("MAC_ADDRESS", _mac(v)).t(":CorpWiFi, Calling-Station-ID=")
    b.pii("MAC_ADDRESS", _mac(v)).t(", NAS-Port-Type=Wireless - IEEE 802.11, ")
    if kind == 0:
        b.t("Acct-Status-Type=Start, Acct-Session-Id=").decoy("RESOURCE_ID", f"{v.r.randint(0, 0xFFFFFFFF):08X}")
        b.t(", Acct-Authentic=RADIUS, ")
    else:
        b.t("AuthenticationMethod=MSCHAPV2, SelectedAccessService=Default Network Access, ")
    if kind == 2:
        b.t("FailureReason=24408 User authentication against Active Directory failed since user has entered ")
        b.t("the wrong password, ")
    b.t("cisco-av-pair=audit-session-id=").decoy("RESOURCE_ID", alnum(v, 24, "0123456789ABCDEF"))
    b.t(", AD-User-Resolved-Identities=").pii("EMAIL_ADDRESS", f"{u}@{dom.lower()}.example.com")
    b.t(", IdentityGroup=Employee")


def _freeradius(b: _Builder, v: _Values) -> None:
    """FreeRADIUS radius.log lines; with auth_badpass/auth_goodpass on, the password is logged too."""
    ts = v.when()
    u = v.username()
    b.t(f"{ts:%a %b} {ts.day:2d} {ts:%H:%M:%S %Y} : Auth: ({v.r.randint(1, 9999)}) ")
    ok = v.r.random() < 0.5
    b.t(
        "Login OK: ["
        if ok
        else "Login incorrect" + v.r.choice(["", " (mschap: MS-CHAP2-Response is incorrect)"]) + ": ["
    )
    b.pii("USERNAME", u)
    if v.r.random() < 0.4:
        b.t("/").pii("PASSWORD", v.password())
    elif v.r.random() < 0.5:
        b.t("/<via Auth-Type = eap>")
    b.t(f"] (from client ap-{v.r.randint(1, 60):02d} port {v.r.randint(0, 50)} cli ")
    b.pii("MAC_ADDRESS", _mac(v).lower()).t(")")


def fmt_radius(b: _Builder, v: _Values) -> None:
    if v.r.random() < 0.55:
        _ise(b, v)
    else:
        _freeradius(b, v)


_DUO_APPS = ("Microsoft Azure Active Directory", "Cisco ASA SSL VPN", "Okta", "Unix Application", "RDP")


def _duo_location(b: _Builder, v: _Values) -> None:
    b.t('"location": {"city": "').pii("LOCATION", v.f.city()).t('", "country": "').pii("LOCATION", "United States")
    b.t('", "state": "')
    b.pii("LOCATION", v.f.state()).t('"}')


def fmt_duo(b: _Builder, v: _Values) -> None:
    """An authentication log entry of the Duo Admin API (v2), as SIEM connectors forward it."""
    ts = v.when()
    u = v.username()
    email = v.email()
    b.t('{"access_device": {"browser": "Chrome", "browser_version": "120.0.6099.109", "hostname": ')
    b.t("null" if v.r.random() < 0.5 else f'"{v.r.choice(["WKS-0", "LAPTOP-"])}{v.r.randint(10, 99)}"')
    b.t(', "ip": "').pii("IP_ADDRESS", v.f.ipv4_public()).t('", "is_encryption_enabled": "true", ')
    _duo_location(b, v)
    b.t(', "os": "Windows", "os_version": "10"}, "alias": "", "application": {"key": "')
    b.decoy("RESOURCE_ID", "DI" + alnum(v, 18, string.ascii_uppercase + string.digits))
    b.t(f'", "name": "{v.r.choice(_DUO_APPS)}"}}, "auth_device": {{')
    factor = v.r.choice(["duo_push", "phone_call", "sms_passcode", "hardware_token", "not_available"])
    if factor in ("duo_push", "phone_call", "sms_passcode"):
        b.t('"ip": "').pii("IP_ADDRESS", v.f.ipv4_public()).t('", ')
        _duo_location(b, v)
        b.t(', "name": "')
        phone = v.phone()
        if v.r.random() < 0.5:
            b.t(f"{v.r.choice(['iPhone', 'Pixel 8', 'My iPhone X'])} (").pii("PHONE_NUMBER", phone).t(")")
        else:
            b.pii("PHONE_NUMBER", phone)
        b.t('"}')
    else:
        b.t('"ip": null, "location": {"city": null, "country": null, "state": null}, "name": "')
        b.decoy("RESOURCE_ID", str(v.r.randint(10**9, 10**10))).t('"}')
    b.t(', "email": "').pii("EMAIL_ADDRESS", email).t(f'", "event_type": "authentication", "factor": "{factor}", ')
    b.t(f'"isotimestamp": "{ts.isoformat()}", "ood_software": null, ')
    result = v.r.choice(["success", "denied", "fraud"])
    reason = {"success": "user_approved", "denied": "deny_unenrolled_user", "fraud": "user_marked_fraud"}[result]
    b.t(f'"reason": "{reason}", "result": "{result}", "timestamp": {int(ts.timestamp())}, "txid": "')
    b.decoy("UUID", v.uuid()).t('", "user": {"groups": ["Duo Users", "VPN Users"], "key": "')
    b.decoy("RESOURCE_ID", "DU" + alnum(v, 18, string.ascii_uppercase + string.digits)).t('", "name": "')
    b.pii("USERNAME", u).t('"}}')
    if v.r.random() < 0.2:  # the Authentication Proxy's own log of the same attempt
        b.t(f"\n{zulu(ts)} [duoauthproxy.lib.log#info] Sending request from ")
        b.pii("IP_ADDRESS", v.f.ipv4_private()).t(" to radius_server_auto\n")
        b.t(f"{zulu(ts)} [duoauthproxy.lib.log#info] ")
        b.t("Got preauth result for: ").t("'").pii("USERNAME", u).t("'")
        b.t(" from ")
        nonroutable(b, v, ("127.0.0.1",))
        b.t(":")
        src_port(b, v)
