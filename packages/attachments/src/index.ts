export { AttachmentError, AttachmentIntegrityError } from './AttachmentError';
export {
  type AttachmentCheckOptions,
  type AttachmentCheckWarning,
  type AttachmentReference,
  attachmentReferences,
  checkAttachmentsAgainstStatements,
  type ReceivedPart,
} from './checkAttachmentsAgainstStatements';
export { type MediaType, mediaTypeEssence, multipartBoundary, parseMediaType } from './mediaType';
export { FileBackedBytes, type PartBytes, readPartBytes, streamPartBytes } from './multipart/PartBytes';
export {
  type AttachmentPart,
  type MultipartLimits,
  type ParsedMultipart,
  parseMultipartMixed,
  type StatementsPart,
} from './multipart/parseMultipartMixed';
export {
  type MultipartBody,
  multipartBodyToBuffer,
  type OutgoingAttachment,
  writeMultipartMixed,
} from './multipart/writeMultipartMixed';
export { normaliseSha2, sha256Hex } from './sha2';
export {
  SIGNATURE_USAGE_TYPE,
  type SignatureAlgorithm,
  type SignatureVerification,
  signatureAttachments,
  type VerifySignatureOptions,
  verifySignedStatement,
  withoutSignatureAttachments,
} from './signature/verifySignedStatement';
export {
  ATTACHMENT_CHUNK,
  ATTACHMENT_STORED,
  type AttachmentManifest,
  AttachmentStore,
  type AttachmentStoreOptions,
  chunkStream,
  manifestStream,
  type PutResult,
} from './store/AttachmentStore';
export type { StoreInput } from './store/chunkSource';
