export { AttachmentError, AttachmentIntegrityError } from './attachment-error';
export {
  type AttachmentCheckOptions,
  type AttachmentCheckWarning,
  type AttachmentReference,
  attachmentReferences,
  checkAttachmentsAgainstStatements,
  type ReceivedPart,
} from './check-attachments-against-statements';
export { type MediaType, mediaTypeEssence, multipartBoundary, parseMediaType } from './media-type';
export {
  type AttachmentPart,
  type MultipartLimits,
  type ParsedMultipart,
  parseMultipartMixed,
  type StatementsPart,
} from './multipart/parse-multipart-mixed';
export { FileBackedBytes, type PartBytes, readPartBytes, streamPartBytes } from './multipart/part-bytes';
export {
  type MultipartBody,
  multipartBodyToBuffer,
  type OutgoingAttachment,
  writeMultipartMixed,
} from './multipart/write-multipart-mixed';
export { normaliseSha2, sha256Hex } from './sha2';
export {
  SIGNATURE_USAGE_TYPE,
  type SignatureAlgorithm,
  type SignatureVerification,
  signatureAttachments,
  type VerifySignatureOptions,
  verifySignedStatement,
  withoutSignatureAttachments,
} from './signature/verify-signed-statement';
export {
  ATTACHMENT_CHUNK,
  ATTACHMENT_STORED,
  type AttachmentManifest,
  AttachmentStore,
  type AttachmentStoreOptions,
  chunkStream,
  manifestStream,
  type PutResult,
} from './store/attachment-store';
export type { StoreInput } from './store/chunk-source';
