-- Accounts carry capabilities instead of one role (domain/access.ts).
ALTER TABLE "User" ADD COLUMN     "capabilities" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "mustChangePassword" BOOLEAN NOT NULL DEFAULT false;

-- The old roles become capabilities: a LEADER acts only through its cadre, a SUPERVISOR supervises,
-- an ADMIN administers. Accounts keep their cadre link, so a supervisor paired with households
-- still completes their tasks.
UPDATE "User" SET "capabilities" = CASE "role"
  WHEN 'SUPERVISOR' THEN ARRAY['SUPERVISE']::TEXT[]
  WHEN 'ADMIN' THEN ARRAY['ADMINISTER']::TEXT[]
  ELSE ARRAY[]::TEXT[]
END;

ALTER TABLE "User" DROP COLUMN "role";
