import { escapeText } from '../../protocol/xml/index.ts';

/**
 * AuthenticationServiceUrl when no external STS is configured. Seed 003 makes the field mandatory, but windc
 * issues no tokens: devices present Entra tokens (Federated) or their parent MDM certificate (Certificate).
 * A person who lands here, e.g. in the Windows sign-in web view, reads why and what to configure instead of a
 * bare 404.
 */
export function authPage(publicUrl: string): string {
  const url = escapeText(publicUrl);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>windc enrollment sign-in</title></head>
<body>
<h1>No sign-in is needed here</h1>
<p>This windc server (${url}) does not run a token service. Devices authenticate to it in one of these ways:</p>
<ul>
<li><b>Declared configuration (WinDC), Entra joined:</b> Windows presents its Entra device token. The server checks
its signature, issuer, audience and tenant against its configuration (<code>--tenants</code>).</li>
<li><b>Declared configuration (WinDC), Entra registered:</b> Windows signs its request with the certificate of its
primary MDM enrollment (<code>--parent-ca</code>).</li>
<li><b>windc as the primary MDM:</b> enter your e-mail address and the enrollment secret from your administrator
as the password (<code>windc secrets create</code>).</li>
</ul>
<p>Administrators who want browser sign-in for Federated enrollment configure an external token service with
<code>--sts-url</code>; this page is then no longer offered to devices.</p>
</body></html>
`;
}
