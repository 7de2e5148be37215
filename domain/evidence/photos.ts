// 入户照片: stored once under their sha256 (after the metadata is stripped), for the household of the
// task they were taken for, and read back only by those who may read that household.
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../../db/client.js';
import { SHA256_HEX, visitEvidenceRules } from '../../policy/index.js';
import { ACCESS_MESSAGES, type Actor, assertMayReadHousehold, mayCompleteTask } from '../access.js';
import { DomainError } from '../errors.js';
import { policyLookup } from '../policy-versions.js';
import { stripJpegMetadata } from './jpeg-metadata.js';

export interface StoredPhoto {
  sha256: string;
  byteSize: number;
  width: number;
  height: number;
}

/**
 * Checks and stores a photo taken for a task by one of its household's cadres: a JPEG within the
 * household's policy's size and edge limits, without metadata. The same photo sent again (a retried
 * upload) answers as the first time.
 */
export async function storeTaskPhoto(
  prisma: PrismaClient,
  input: { taskId: string; cadreId: string; bytes: Buffer },
): Promise<StoredPhoto> {
  const task = await prisma.task.findUnique({
    where: { id: input.taskId },
    select: {
      assigneeId: true,
      householdId: true,
      household: {
        select: { policyVersion: true, assignments: { where: { to: null }, select: { cadreId: true } } },
      },
    },
  });
  if (!task) throw new DomainError('NOT_FOUND', '该任务不存在');
  const householdCadreIds = task.household.assignments.map((a) => a.cadreId);
  if (!mayCompleteTask(input.cadreId, { assigneeId: task.assigneeId, householdCadreIds }))
    throw new DomainError('FORBIDDEN', ACCESS_MESSAGES.notYourTask);

  // The household's own policy, as the workflow will judge the record by.
  const rules = visitEvidenceRules((await policyLookup(prisma))(task.household.policyVersion));
  if (input.bytes.length > rules.maxPhotoBytes) throw tooLarge(rules.maxPhotoBytes);
  const clean = stripJpegMetadata(input.bytes);
  if (Math.max(clean.width, clean.height) > rules.maxPhotoEdgePx)
    throw new DomainError('INVALID', `照片的长边不能超过 ${rules.maxPhotoEdgePx} 像素`);
  const sha256 = createHash('sha256').update(clean.data).digest('hex');

  const existing = await prisma.evidencePhoto.findUnique({
    where: { sha256 },
    select: { householdId: true },
  });
  if (existing && existing.householdId !== task.householdId)
    throw new DomainError('CONFLICT', '这张照片已作为另一户的走访照片上传过');
  if (!existing) {
    await prisma.evidencePhoto.createMany({
      data: [
        {
          sha256,
          householdId: task.householdId,
          uploadedBy: input.cadreId,
          contentType: 'image/jpeg',
          byteSize: clean.data.length,
          width: clean.width,
          height: clean.height,
          data: new Uint8Array(clean.data),
        },
      ],
      skipDuplicates: true,
    });
  }
  return { sha256, byteSize: clean.data.length, width: clean.width, height: clean.height };
}

/** A photo's bytes, for someone who may read its household; 404 for an unknown hash. */
export async function readPhoto(prisma: PrismaClient, actor: Actor, sha256: string) {
  const photo = SHA256_HEX.test(sha256)
    ? await prisma.evidencePhoto.findUnique({
        where: { sha256 },
        select: { householdId: true, contentType: true, data: true },
      })
    : null;
  if (!photo) throw new DomainError('NOT_FOUND', '照片不存在');
  await assertMayReadHousehold(prisma, actor, photo.householdId);
  return { contentType: photo.contentType, data: Buffer.from(photo.data) };
}

/**
 * Before a visit record goes to the workflow: every photo it names was uploaded for this household.
 * (The workflow's record holds hashes only; a hash of nothing, or of another household's photo,
 * is refused here with nothing written.)
 */
export async function assertPhotosUploaded(
  prisma: PrismaClient,
  householdId: string,
  hashes: readonly string[],
) {
  if (hashes.length === 0) return;
  const found = await prisma.evidencePhoto.findMany({
    where: { sha256: { in: [...hashes] }, householdId },
    select: { sha256: true },
  });
  if (found.length !== new Set(hashes).size)
    throw new DomainError('INVALID', '有照片尚未上传或不属于该户，请重新选择照片后提交');
}

function tooLarge(maxBytes: number): DomainError {
  return new DomainError('INVALID', `照片不能超过 ${Math.round(maxBytes / 1000)} KB`);
}
