/**
 * Namespace URIs, SOAP actions and token type URIs of MS-MDE2, MS-XCEP and MS-WSTEP. Windows compares these as
 * strings, so each one is spelled exactly as real clients send it (fleet captures) rather than as some spec
 * pages print it (several carry stray spaces or line breaks inside the URI).
 */
export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  /** MS-MDE2 §2.1 names SOAP 1.1 as well; accepted on input, never produced. */
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  wst: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512',
  ac: 'http://schemas.xmlsoap.org/ws/2006/12/authorization',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xsd: 'http://www.w3.org/2001/XMLSchema',
  diagnostics: 'http://schemas.microsoft.com/2004/09/ServiceModel/Diagnostics',
  /** Discover/DiscoverResponse body namespace. */
  discovery: 'http://schemas.microsoft.com/windows/management/2012/01/enrollment',
  xcep: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy',
  /** MS-WSTEP enrollment namespace: DispositionMessage, RequestID, fault detail. */
  enrollment: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment',
} as const;

export const ACTIONS = {
  discover: 'http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/Discover',
  discoverResponse:
    'http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/DiscoverResponse',
  getPolicies: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPolicies',
  getPoliciesResponse: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy/IPolicy/GetPoliciesResponse',
  requestSecurityToken: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/wstep',
  requestSecurityTokenResponse: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RSTRC/wstep',
  /** WS-Addressing's generic fault action; Windows ignores the action of a fault (MS-DVRE §3.1.4.1.1.3). */
  fault: 'http://www.w3.org/2005/08/addressing/soap/fault',
} as const;

export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';

export const TOKEN_TYPES = {
  /** wst:TokenType of the RST and its response. */
  deviceEnrollment: 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken',
} as const;

/** BinarySecurityToken ValueType values seen in MS-MDE2 traffic. */
export const VALUE_TYPES = {
  pkcs10: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS10',
  pkcs7: 'http://schemas.microsoft.com/windows/pki/2009/01/enrollment#PKCS7',
  /** How Learn's certificate-renewal example labels the Renew token; accepted beside the MS-WSTEP spelling. */
  pkcs7Wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#PKCS7',
  provisionDoc: 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc',
  /** Federated token from the STS; also what MS-MDE2 §4.3.1.3 prints for a certificate token. */
  userToken: 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentUserToken',
  /** Entra access token of an Entra-joined device (auto-enrollment; WinDC "Federated"). */
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  x509v3: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3',
} as const;

export const ENCODING_BASE64 = `${NS.wsse}#base64binary`;
export const PASSWORD_TEXT =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';

export const REQUEST_TYPES = {
  Issue: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue',
  Renew: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew',
  Recovery: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Recovery',
} as const;

export type RequestType = keyof typeof REQUEST_TYPES;

/** The AuthPolicy values of MS-MDE2 §3.1.4.1.3.2; WinDC uses Federated and Certificate only. */
export type AuthPolicy = 'OnPremise' | 'Federated' | 'Certificate';
export const AUTH_POLICIES: readonly AuthPolicy[] = ['OnPremise', 'Federated', 'Certificate'];
