package io.edgegate.trust.format;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.PrivateKey;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.CMSVerifierCertificateNotValidException;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;

/**
 * Detached CMS SignedData over the PAE bytes. Verification builds the signer's chain only from the certificates
 * embedded in the CMS, validates it (PKIX, no revocation: gateways are offline) against the anchors pinned in
 * the trust root and never trusts an embedded certificate by itself; the signer certificate needs the
 * {@code codeSigning} extended key usage, {@code digitalSignature} if it has a key usage at all, and must be
 * valid now.
 */
public final class CmsSignatures {
    private static final String CODE_SIGNING = KeyPurposeId.id_kp_codeSigning.getId();

    /**
     * Who made a CMS signature that verified.
     *
     * @param keyid of the signer certificate's SubjectPublicKeyInfo
     * @param certificate the signer certificate
     * @param anchor the pinned anchor its chain ends at
     * @param anchorKeyid the anchor's key id
     */
    public record Signer(String keyid, X509Certificate certificate, X509Certificate anchor, String anchorKeyid) {
    }

    private CmsSignatures() {
    }

    /**
     * Signs {@code content} (detached) with {@code key} (Ed25519, EC or RSA), embedding {@code chain}, signer's
     * certificate first.
     *
     * @return the DER encoding of the ContentInfo
     * @throws IllegalArgumentException if the key or certificates cannot be used
     */
    public static byte[] sign(byte[] content, PrivateKey key, List<X509Certificate> chain) {
        String algorithm = switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "ED25519", "EDDSA" -> "Ed25519";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("cannot sign CMS with a " + key.getAlgorithm() + " key");
        };
        try {
            ContentSigner signer = new JcaContentSignerBuilder(algorithm).setProvider(Bc.PROVIDER).build(key);
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                    new JcaDigestCalculatorProviderBuilder().setProvider(Bc.PROVIDER).build())
                    .build(signer, chain.get(0)));
            generator.addCertificates(new JcaCertStore(chain));
            return generator.generate(new CMSProcessableByteArray(content), false).getEncoded(ASN1Encoding.DER);
        } catch (OperatorCreationException | CertificateEncodingException | CMSException | IOException e) {
            throw new IllegalArgumentException("cannot create the CMS signature: " + e.getMessage(), e);
        }
    }

    /**
     * Verifies a detached CMS signature over {@code content}.
     *
     * @throws VerificationException {@link Reason#MALFORMED} for bad DER or a CMS that is not a detached SignedData
     *         with one signer; {@link Reason#BAD_CERTIFICATE} for a signer certificate that is missing, out of
     *         validity, without codeSigning, or not chained to a pinned anchor; {@link Reason#BAD_SIGNATURE} if the
     *         signature does not verify
     */
    public static Signer verify(byte[] content, byte[] der, Collection<X509Certificate> anchors, Instant now)
            throws VerificationException {
        CMSSignedData signed = parse(content, der);
        Collection<SignerInformation> signers = signed.getSignerInfos().getSigners();
        if (signers.size() != 1) {
            throw malformed("CMS must have exactly one signer, not " + signers.size());
        }
        SignerInformation signer = signers.iterator().next();
        List<X509Certificate> embedded = new ArrayList<>();
        for (X509CertificateHolder h : signed.getCertificates().getMatches(null)) {
            embedded.add(Certificates.toX509(h));
        }
        @SuppressWarnings("unchecked") // SignerId is a raw Selector
        Collection<X509CertificateHolder> matches = signed.getCertificates().getMatches(signer.getSID());
        if (matches.size() != 1) {
            throw badCertificate("the signer's certificate is not embedded in the CMS");
        }
        X509CertificateHolder leafHolder = matches.iterator().next();
        X509Certificate leaf = Certificates.toX509(leafHolder);
        checkLeaf(leaf, now);
        PKIXCertPathBuilderResult path = buildPath(leaf, embedded, anchors, now);
        try {
            if (!signer.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider(Bc.PROVIDER).build(leafHolder))) {
                throw new VerificationException(Reason.BAD_SIGNATURE, "the CMS signature does not verify");
            }
        } catch (CMSVerifierCertificateNotValidException e) {
            throw new VerificationException(Reason.BAD_CERTIFICATE,
                    "the CMS signing time lies outside the signer certificate's validity", e);
        } catch (CMSException | OperatorCreationException | java.security.cert.CertificateException
                | RuntimeException e) {
            throw new VerificationException(Reason.BAD_SIGNATURE, "the CMS signature does not verify: "
                    + e.getMessage(), e);
        }
        X509Certificate anchor = path.getTrustAnchor().getTrustedCert();
        return new Signer(KeyIds.ofCertificate(leaf), leaf, anchor, KeyIds.ofCertificate(anchor));
    }

    private static CMSSignedData parse(byte[] content, byte[] der) throws VerificationException {
        if (der == null || der.length == 0) {
            throw malformed("CMS signature is empty");
        }
        try {
            ContentInfo info = ContentInfo.getInstance(ASN1Primitive.fromByteArray(der));
            if (info == null || !CMSObjectIdentifiers.signedData.equals(info.getContentType())) {
                throw malformed("CMS is not a SignedData");
            }
            if (SignedData.getInstance(info.getContent()).getEncapContentInfo().getContent() != null) {
                throw malformed("CMS SignedData must be detached, but it carries content");
            }
            return new CMSSignedData(new CMSProcessableByteArray(content), info);
        } catch (IOException | CMSException | RuntimeException e) {
            throw new VerificationException(Reason.MALFORMED, "CMS signature is not valid DER SignedData: "
                    + e.getMessage(), e);
        }
    }

    private static void checkLeaf(X509Certificate leaf, Instant now) throws VerificationException {
        String who = "signer certificate '" + leaf.getSubjectX500Principal().getName() + "'";
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw badCertificate(who + " is not valid before " + leaf.getNotBefore().toInstant());
        }
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw badCertificate(who + " expired at " + leaf.getNotAfter().toInstant());
        }
        List<String> eku;
        try {
            eku = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new VerificationException(Reason.BAD_CERTIFICATE, who + " has a malformed extended key usage", e);
        }
        if (eku == null || !eku.contains(CODE_SIGNING)) {
            throw badCertificate(who + " lacks the codeSigning extended key usage");
        }
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null && !keyUsage[0]) {
            throw badCertificate(who + " has a key usage without digitalSignature");
        }
    }

    private static PKIXCertPathBuilderResult buildPath(X509Certificate leaf, List<X509Certificate> embedded,
            Collection<X509Certificate> anchors, Instant now) throws VerificationException {
        if (anchors.isEmpty()) {
            throw badCertificate("the trust root pins no certificate anchors");
        }
        Set<TrustAnchor> trusted = new HashSet<>();
        for (X509Certificate a : anchors) {
            trusted.add(new TrustAnchor(a, null));
        }
        X509CertSelector target = new X509CertSelector();
        target.setCertificate(leaf);
        try {
            PKIXBuilderParameters params = new PKIXBuilderParameters(trusted, target);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(embedded),
                    Bc.PROVIDER));
            return (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX", Bc.PROVIDER).build(params);
        } catch (CertPathBuilderException e) {
            throw new VerificationException(Reason.BAD_CERTIFICATE, "the chain of signer certificate '"
                    + leaf.getSubjectX500Principal().getName() + "' does not end at an anchor pinned in the trust "
                    + "root: " + e.getMessage(), e);
        } catch (InvalidAlgorithmParameterException e) {
            throw new VerificationException(Reason.BAD_CERTIFICATE, "cannot validate the chain: " + e.getMessage(), e);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new VerificationException(Reason.BAD_CERTIFICATE, "cannot validate the chain: " + e, e);
        }
    }

    private static VerificationException malformed(String message) {
        return new VerificationException(Reason.MALFORMED, message);
    }

    private static VerificationException badCertificate(String message) {
        return new VerificationException(Reason.BAD_CERTIFICATE, message);
    }
}
