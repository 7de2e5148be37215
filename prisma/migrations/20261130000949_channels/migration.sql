-- CreateTable
CREATE TABLE "CadreChannel" (
    "cadreId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "address" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "CadreChannel_pkey" PRIMARY KEY ("cadreId","channel")
);

-- CreateTable
CREATE TABLE "ChannelDelivery" (
    "id" TEXT NOT NULL,
    "notificationId" TEXT NOT NULL,
    "cadreId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastAttemptAt" TIMESTAMP(3),
    "error" TEXT,
    "providerId" TEXT,
    "heldUntil" TIMESTAMP(3),
    "combinedInto" TEXT,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChannelDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CadreChannel_cadreId_position_key" ON "CadreChannel"("cadreId", "position");

-- CreateIndex
CREATE INDEX "ChannelDelivery_cadreId_channel_status_idx" ON "ChannelDelivery"("cadreId", "channel", "status");

-- CreateIndex
CREATE INDEX "ChannelDelivery_status_lastAttemptAt_idx" ON "ChannelDelivery"("status", "lastAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "ChannelDelivery_notificationId_channel_key" ON "ChannelDelivery"("notificationId", "channel");

-- AddForeignKey
ALTER TABLE "CadreChannel" ADD CONSTRAINT "CadreChannel_cadreId_fkey" FOREIGN KEY ("cadreId") REFERENCES "Cadre"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChannelDelivery" ADD CONSTRAINT "ChannelDelivery_notificationId_fkey" FOREIGN KEY ("notificationId") REFERENCES "Notification"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChannelDelivery" ADD CONSTRAINT "ChannelDelivery_cadreId_fkey" FOREIGN KEY ("cadreId") REFERENCES "Cadre"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
